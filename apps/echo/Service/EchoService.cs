using System;
using Kernel.Net.App;

namespace Echo
{
    /// <summary>TCP echo (RFC 862) on setting <c>port</c> (default 7): every byte comes back, in order.
    /// Reading pauses while echoed bytes wait for send-buffer room, so a client that does not read
    /// is slowed down by TCP instead of growing a queue here.</summary>
    public sealed class EchoService
    {
        public static void Start(IServiceHost host)
        {
            string? text = host.Setting("port");
            ushort port = 7;
            if (text is not null)
            {
                if (!int.TryParse(text, out int p) || p < 0 || p > 65535)
                    throw new ArgumentException("port=" + text + " is not a TCP port: use a number from 1 to 65535");
                port = (ushort)p;
            }
            host.Listen(port, _ => new EchoSession());
        }

        private sealed class EchoSession : IConnectionHandler
        {
            private readonly byte[] _buffer = new byte[8192];
            private int _start;
            private int _end;
            private bool _eof;
            private bool _done;

            public void OnReadable(IConnection connection) => Pump(connection);

            public void OnWritable(IConnection connection) => Pump(connection);

            public void OnClosed(IConnection connection) => _done = true;

            private void Pump(IConnection connection)
            {
                while (!_done)
                {
                    if (_start < _end)
                    {
                        int w = connection.Write(_buffer.AsSpan(_start, _end - _start));
                        if (w < 0) { connection.Abort(); _done = true; return; }
                        _start += w;
                        if (_start < _end) return; // wait for OnWritable
                    }
                    if (_eof)
                    {
                        connection.Close();
                        _done = true;
                        return;
                    }
                    int n = connection.Read(_buffer);
                    if (n == 0) return;
                    if (n < 0) { _eof = true; _start = _end = 0; continue; }
                    _start = 0;
                    _end = n;
                }
            }
        }
    }
}
