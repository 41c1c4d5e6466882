using System.Text;

namespace Summoner.Toml;

/// <summary>Reads TOML 1.0.0 documents into a <see cref="TomlTable"/>.</summary>
public static class TomlReader
{
    // Invalid UTF-8 must be an error, not silently replaced with U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses a file. Errors name it as given in <paramref name="path"/>.</summary>
    public static TomlTable ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TomlException(path, new TomlPosition(1, 1), $"cannot read the file: {e.Message}");
        }
        return Parse(bytes, path);
    }

    public static TomlTable Parse(ReadOnlySpan<byte> utf8, string file = "<toml>")
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            int offset = e.Index >= 0 ? e.Index : 0;
            string before = StrictUtf8.GetString(utf8[..FindUtf8Boundary(utf8, offset)]);
            throw new TomlException(file, TomlParser.PositionIn(before, before.Length),
                "the file is not valid UTF-8 (TOML files must be UTF-8 encoded)");
        }
        return Parse(text, file);
    }

    public static TomlTable Parse(string text, string file = "<toml>") => new TomlParser(text, file).ParseDocument();

    // The decoder reports an index into its own buffer; back off to a prefix that decodes cleanly.
    private static int FindUtf8Boundary(ReadOnlySpan<byte> utf8, int offset)
    {
        int end = Math.Min(offset, utf8.Length);
        while (end > 0)
        {
            try
            {
                StrictUtf8.GetCharCount(utf8[..end]);
                return end;
            }
            catch (DecoderFallbackException)
            {
                end--;
            }
        }
        return 0;
    }
}
