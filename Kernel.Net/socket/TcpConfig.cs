namespace Kernel.Net.Sockets
{
    /// <summary>Tunables of the TCP layer; the defaults suit a small service on a LAN or slirp.
    /// The defences against floods and slow clients are described in Kernel.Net/README.md.</summary>
    public sealed class TcpConfig
    {
        public int ReceiveBufferBytes { get; set; } = 32 * 1024;

        public int SendBufferBytes { get; set; } = 32 * 1024;

        /// <summary>Connections (in any state but LISTEN) the stack holds at once. A new one beyond it
        /// first reclaims a TIME-WAIT, then evicts the connection idle longest (see <see cref="EvictIdleAfterNanoseconds"/>),
        /// and only if neither exists is it refused.</summary>
        public int MaxConnections { get; set; } = 256;

        /// <summary>Half-open (SYN-RECEIVED) connections per listener. Beyond it a SYN is answered with a
        /// SYN cookie and holds no state (<see cref="SynCookies"/>), or, with cookies off, replaces a
        /// half-open connection picked at random (RFC 4987 3.4).</summary>
        public int MaxHalfOpen { get; set; } = 64;

        /// <summary>Established connections per listener that the application has not accepted yet;
        /// a SYN or cookie beyond it is dropped so the peer retries later.</summary>
        public int AcceptBacklog { get; set; } = 128;

        /// <summary>Connections one remote address may hold. A new one beyond it evicts that address's
        /// own connection idle longest, or is refused. Through QEMU user networking every client has the
        /// same address (the forwarder's), so it stays at half the table rather than a per-host figure.</summary>
        public int MaxConnectionsPerSource { get; set; } = 128;

        /// <summary>Nanoseconds without progress (new data from the peer, or our data acknowledged)
        /// after which a connection may be evicted (RST) to make room for a new one. Shorter than any
        /// slowloris interval worth the name, longer than a busy exchange's pauses.</summary>
        public long EvictIdleAfterNanoseconds { get; set; } = 500_000_000;

        /// <summary>Answer SYNs statelessly once the half-open table is full (RFC 4987 3.6).</summary>
        public bool SynCookies { get; set; } = true;

        /// <summary>Nanoseconds. RFC 6298 asks for 1 s; like Linux we allow 200 ms so a LAN loss costs less.</summary>
        public long MinRetransmitTimeout { get; set; } = 200_000_000;

        public long MaxRetransmitTimeout { get; set; } = 60_000_000_000;

        public long InitialRetransmitTimeout { get; set; } = 1_000_000_000;

        /// <summary>2*MSL. RFC 9293 suggests MSL = 2 min; a unikernel reclaims the oldest TIME-WAIT when full instead.</summary>
        public long TimeWaitNanoseconds { get; set; } = 60_000_000_000;

        /// <summary>Retransmissions of one segment before the connection is given up.</summary>
        public int MaxRetransmissions { get; set; } = 12;

        /// <summary>SYN retransmissions before an active open is given up (Linux: 6).</summary>
        public int MaxSynRetransmissions { get; set; } = 5;

        /// <summary>SYN-ACK retransmissions before a half-open connection is given up. Short (Linux: 5,
        /// i.e. 63 s), because a spoofed SYN's entry only waits for this; a real peer that lost every
        /// SYN-ACK retransmits its SYN, which is answered afresh (with a cookie if the table is full).</summary>
        public int MaxSynAckRetransmissions { get; set; } = 2;
    }
}
