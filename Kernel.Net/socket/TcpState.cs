namespace Kernel.Net.Sockets
{
    /// <summary>Connection states of RFC 9293 3.3.2.</summary>
    public enum TcpState
    {
        Closed,
        Listen,
        SynSent,
        SynReceived,
        Established,
        FinWait1,
        FinWait2,
        CloseWait,
        Closing,
        LastAck,
        TimeWait,
    }

    /// <summary>Why a connection ended other than by an orderly close.</summary>
    public enum TcpError
    {
        None,
        /// <summary>The peer sent RST.</summary>
        Reset,
        /// <summary>Retransmissions went unanswered (RFC 9293 user timeout).</summary>
        TimedOut,
        /// <summary>An active open was answered with RST.</summary>
        Refused,
        /// <summary>The stack reset it to make room for a new connection: it had made no progress for
        /// the longest while the table (or its address's share) was full.</summary>
        Evicted,
    }
}
