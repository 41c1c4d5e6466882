using System.Security.Cryptography;
using System.Text;

namespace Summoner.Control;

/// <summary>
/// The secret that the control API asks for: random, written owner-only under the state directory at each
/// start. Whoever can read the state directory may run ps/stop/logs; a web page in a browser cannot.
/// Summoner runs on Linux only (libvirt, QEMU), where the file mode is what keeps it secret.
/// </summary>
public sealed class ControlToken
{
    private readonly byte[] _value;

    private ControlToken(string value)
    {
        Value = value;
        _value = Encoding.ASCII.GetBytes(value);
    }

    public string Value { get; }

    /// <summary>Makes a new token and writes it to <paramref name="path"/> with mode 0600 (replacing any older one).</summary>
    public static ControlToken Create(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("Summoner serves on Linux only");
        var token = new ControlToken(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        string temporary = path + ".new";
        File.Delete(temporary);
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(Encoding.ASCII.GetBytes(token.Value + "\n"));
        }
        File.Move(temporary, path, overwrite: true);
        return token;
    }

    /// <summary>Reads the token a running daemon wrote; the message says what to do when it cannot.</summary>
    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidOperationException($"no control token at {path}: is ./summoner serve running on this configuration's state_dir?", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException($"cannot read the control token {path}: run as the user that runs serve (the file is owner-only)", e);
        }
    }

    /// <summary>Constant-time comparison of a presented bearer token.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), _value);
}
