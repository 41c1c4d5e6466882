using System.Collections.Generic;

namespace Kernel.Net.Sockets
{
    /// <summary>A passive open on one port: established connections wait here until accepted.
    /// The backlog bounds the unaccepted ones; SYNs beyond it are dropped so the peer retries later
    /// instead of the stack growing. Half-open connections are bounded apart (TcpConfig.MaxHalfOpen).</summary>
    public sealed class TcpListener
    {
        private readonly Queue<TcpConnection> _ready = new Queue<TcpConnection>();

        internal TcpListener(ushort port, int backlog)
        {
            Port = port;
            Backlog = backlog;
        }

        public ushort Port { get; }

        public int Backlog { get; }

        internal int HalfOpen { get; set; }

        public int ReadyCount => _ready.Count;

        internal void Enqueue(TcpConnection connection)
        {
            connection.InAcceptQueue = true;
            _ready.Enqueue(connection);
        }

        /// <summary>The next established connection, now owned by the caller (who must Close or Abort it), or null.</summary>
        public TcpConnection? Accept()
        {
            while (_ready.Count > 0)
            {
                TcpConnection c = _ready.Dequeue();
                c.InAcceptQueue = false;
                // Reset before it was accepted: nothing to hand out, the stack recycles it.
                if (c.State == TcpState.Closed) continue;
                c.AppOwned = true;
                return c;
            }
            return null;
        }
    }
}
