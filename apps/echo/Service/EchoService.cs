using System;
using Kernel.Net.App;

namespace Echo
{
    /// <summary>TCP echo (RFC 862) on every port of setting <c>port</c> (default 7; port=7,7007 for two): every byte comes back, in order.
    /// Reading pauses while echoed bytes wait for send-buffer room, so a client that does not read
    /// is slowed down by TCP instead of growing a queue here.</summary>
    public sealed class EchoService
    {
        public static void Start(IServiceHost host)
        {
            foreach (ushort port in host.Settings().GetPorts("port", 7)) host.Listen(port, _ => new EchoSession());
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
