using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Kernel.Net.Tests;

/// <summary>One parsed HTTP/1.1 response as a strict test client sees it.</summary>
internal sealed record HttpReply(int Status, string Head, byte[] Body)
{
    public string Text => Encoding.ASCII.GetString(Body);

    public string? Header(string name)
    {
        foreach (string line in Head.Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Equals(name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim();
        }
        return null;
    }
}

/// <summary>
/// A raw-socket HTTP client for tests: sends exactly the bytes given (hostile ones too) and
/// parses responses strictly (Content-Length, chunked, or until close), so framing errors of the
/// server show up as test failures rather than being smoothed over as a library client would.
/// </summary>
internal sealed class HttpClientProbe : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];

    public HttpClientProbe(string host, int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(host, port);
    }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    public void Send(string text) => Send(Encoding.Latin1.GetBytes(text));

    public void Send(byte[] bytes)
    {
        try
        {
            _socket.Send(bytes);
        }
        catch (SocketException)
        {
            // The server may have answered and closed already (a 431 before the rest of a huge head):
            // what it sent is still readable.
        }
    }

    /// <summary>Reads one response; <paramref name="headOnly"/> for answers to HEAD.</summary>
    public HttpReply Read(bool headOnly = false)
    {
        int headEnd;
        while ((headEnd = IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (!Fill()) throw new InvalidDataException("connection ended inside a response head: " + Encoding.ASCII.GetString([.. _pending]));
        }
        string head = Encoding.ASCII.GetString(_pending.GetRange(0, headEnd).ToArray());
        _pending.RemoveRange(0, headEnd + 4);
        int status = int.Parse(head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var reply = new HttpReply(status, head, []);
        if (headOnly || status is 100 or 204 or 304) return reply;
        string? length = reply.Header("Content-Length");
        if (reply.Header("Transfer-Encoding") is string te)
        {
            if (!te.Equals("chunked", StringComparison.OrdinalIgnoreCase)) throw new InvalidDataException("unexpected Transfer-Encoding " + te);
            var body = new List<byte>();
            while (true)
            {
                string sizeLine = ReadLine();
                int size = Convert.ToInt32(sizeLine.Split(';')[0], 16);
                if (size == 0)
                {
                    while (ReadLine().Length > 0) { }
                    return reply with { Body = [.. body] };
                }
                body.AddRange(Take(size));
                if (ReadLine().Length != 0) throw new InvalidDataException("chunk data not followed by CRLF");
            }
        }
        if (length is not null) return reply with { Body = Take(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)) };
        while (Fill()) { }
        byte[] rest = [.. _pending];
        _pending.Clear();
        return reply with { Body = rest };
    }

    /// <summary>True if the server closes (FIN or reset) within <paramref name="within"/> and sent nothing more.</summary>
    public bool ClosedWithin(TimeSpan within)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < within)
        {
            if (_pending.Count > 0) return false;
            if (!_socket.Poll(50_000, SelectMode.SelectRead)) continue;
            try
            {
                var buffer = new byte[4096];
                int n = _socket.Receive(buffer);
                if (n == 0) return true;
                _pending.AddRange(buffer.AsSpan(0, n).ToArray());
            }
            catch (SocketException)
            {
                return true; // reset
            }
        }
        return false;
    }

    private byte[] Take(int count)
    {
        while (_pending.Count < count)
        {
            if (!Fill()) throw new InvalidDataException($"connection ended after {_pending.Count} of {count} body bytes");
        }
        byte[] taken = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        return taken;
    }

    private string ReadLine()
    {
        int end;
        while ((end = IndexOf("\r\n"u8)) < 0)
        {
            if (!Fill()) throw new InvalidDataException("connection ended inside a chunk line");
        }
        string line = Encoding.ASCII.GetString(_pending.GetRange(0, end).ToArray());
        _pending.RemoveRange(0, end + 2);
        return line;
    }

    private int IndexOf(ReadOnlySpan<byte> pattern)
    {
        for (int i = 0; i + pattern.Length <= _pending.Count; i++)
        {
            bool match = true;
            for (int k = 0; k < pattern.Length && match; k++) match = _pending[i + k] == pattern[k];
            if (match) return i;
        }
        return -1;
    }

    private bool Fill()
    {
        if (!_socket.Poll((int)(Timeout.TotalMilliseconds * 1000), SelectMode.SelectRead)) throw new TimeoutException("no response within " + Timeout);
        var buffer = new byte[65536];
        int n;
        try
        {
            n = _socket.Receive(buffer);
        }
        catch (SocketException)
        {
            return false;
        }
        if (n == 0) return false;
        _pending.AddRange(buffer.AsSpan(0, n).ToArray());
        return true;
    }

    public void Dispose() => _socket.Dispose();
}
