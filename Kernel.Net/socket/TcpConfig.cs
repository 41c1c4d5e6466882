namespace Kernel.Net.Sockets
{
    /// <summary>Tunables of the TCP layer; the defaults suit a small service on a LAN or slirp.</summary>
    public sealed class TcpConfig
    {
        public int ReceiveBufferBytes { get; set; } = 32 * 1024;

        public int SendBufferBytes { get; set; } = 32 * 1024;

        /// <summary>Connections (in any state but LISTEN) the stack holds at once; SYNs beyond it are dropped.</summary>
        public int MaxConnections { get; set; } = 256;

        /// <summary>Nanoseconds. RFC 6298 asks for 1 s; like Linux we allow 200 ms so a LAN loss costs less.</summary>
        public long MinRetransmitTimeout { get; set; } = 200_000_000;

        public long MaxRetransmitTimeout { get; set; } = 60_000_000_000;

        public long InitialRetransmitTimeout { get; set; } = 1_000_000_000;

        /// <summary>2*MSL. RFC 9293 suggests MSL = 2 min; a unikernel reclaims the oldest TIME-WAIT when full instead.</summary>
        public long TimeWaitNanoseconds { get; set; } = 60_000_000_000;

        /// <summary>Retransmissions of one segment before the connection is given up.</summary>
        public int MaxRetransmissions { get; set; } = 12;

        /// <summary>SYN or SYN-ACK retransmissions before a half-open connection is given up (Linux: 5),
        /// so a SYN flood cannot hold the connection table for long.</summary>
        public int MaxSynRetransmissions { get; set; } = 5;
    }
}
