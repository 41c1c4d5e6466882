using System.Text;
using Summoner.Engine;

namespace Summoner.Adapters;

/// <summary>
/// Reads a guest's serial console from the file QEMU writes it to (libvirt's serial type="file"),
/// line by line, polling while a read waits: every millisecond for the first
/// <see cref="EagerPolling"/> of a wait, then backing off to 16 ms. Every millisecond between the
/// guest's line and this read is added to a summon's answer (the readiness line, then the
/// "accepted" line), and a booting guest prints both within tens of milliseconds; only readiness
/// waits read a console, so the eager polling lasts no longer than a boot. The file may not exist
/// yet when reading starts. This is the local stand-in for a libvirt console stream, behind the
/// same <see cref="IConsoleReader"/>.
/// </summary>
public sealed class SerialFileReader : IConsoleReader
{
    private const int KeptLines = 64;

    /// <summary>How long a wait polls every millisecond before it backs off.</summary>
    public static readonly TimeSpan EagerPolling = TimeSpan.FromSeconds(2);
    private readonly string _path;
    private readonly long _start;
    private readonly byte[] _buffer = new byte[8192];
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly char[] _chars = new char[Encoding.UTF8.GetMaxCharCount(8192)];
    private readonly StringBuilder _partial = new();
    private readonly Queue<string> _unread = new();
    // The last lines that arrived, read or not, for Tail.
    private readonly Queue<string> _recent = new();
    private FileStream? _stream;

    /// <param name="fromStart">Read from the file's start, or only what is written after this call.</param>
    public SerialFileReader(string path, bool fromStart)
    {
        _path = path;
        if (!fromStart)
        {
            try { _start = new FileInfo(path).Exists ? new FileInfo(path).Length : 0; }
            catch (IOException) { _start = 0; }
        }
    }

    public async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        long started = Environment.TickCount64;
        int delayMs = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_unread.Count > 0) return _unread.Dequeue();
            if (Poll()) continue;
            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            if (Environment.TickCount64 - started > EagerPolling.TotalMilliseconds) delayMs = Math.Min(delayMs * 2, 16);
        }
    }

    public string Tail(int count)
    {
        Poll();
        int whole = _partial.Length > 0 ? count - 1 : count;
        IEnumerable<string> lines = _recent.Skip(Math.Max(0, _recent.Count - whole));
        if (_partial.Length > 0) lines = lines.Append(_partial.ToString());
        return string.Join('\n', lines);
    }

    /// <summary>Reads whatever arrived; returns true if a whole line did.</summary>
    private bool Poll()
    {
        if (_stream is null)
        {
            if (!File.Exists(_path)) return false;
            try { _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) { Position = _start }; }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }
        bool line = false;
        int n;
        while ((n = _stream.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            int chars = _utf8.GetChars(_buffer, 0, n, _chars, 0);
            for (int i = 0; i < chars; i++)
            {
                char c = _chars[i];
                if (c == '\r') continue;
                if (c != '\n') { _partial.Append(c); continue; }
                string whole = _partial.ToString();
                _partial.Clear();
                _unread.Enqueue(whole);
                _recent.Enqueue(whole);
                if (_recent.Count > KeptLines) _recent.Dequeue();
                line = true;
            }
        }
        return line;
    }

    public void Dispose() => _stream?.Dispose();
}
