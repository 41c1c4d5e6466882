using System.Text;

namespace Summoner.Engine;

/// <summary>
/// Follows a guest's serial console file as it grows (libvirt writes it; the file may not exist
/// yet when following starts). Keeps the text so failures can show the last lines.
/// </summary>
public sealed class ConsoleTail : IDisposable
{
    private readonly string _path;
    private readonly StringBuilder _text = new();
    private FileStream? _stream;
    private readonly byte[] _buffer = new byte[8192];
    private readonly long _start;

    /// <param name="start">Bytes of the file to skip: only output after that offset counts.</param>
    public ConsoleTail(string path, long start = 0)
    {
        _path = path;
        _start = start;
    }

    public string Text => _text.ToString();

    /// <summary>The file offset read up to (where a later tail may start).</summary>
    public long Offset => _stream?.Position ?? _start;

    /// <summary>Reads whatever arrived since the last call; returns true if anything did.</summary>
    public bool Poll()
    {
        if (_stream is null)
        {
            if (!File.Exists(_path)) return false;
            try { _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) { Position = _start }; }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }
        bool any = false;
        int n;
        while ((n = _stream.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            _text.Append(Encoding.UTF8.GetString(_buffer, 0, n).Replace("\r", "", StringComparison.Ordinal));
            any = true;
        }
        return any;
    }

    public string LastLines(int count)
    {
        string[] lines = Text.TrimEnd('\n').Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }

    public void Dispose() => _stream?.Dispose();
}
