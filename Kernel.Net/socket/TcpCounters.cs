namespace Kernel.Net.Sockets
{
    /// <summary>What the TCP layer refused, evicted or answered statelessly, and why, so an operator
    /// can tell a flood from a bug (printed by the service host as a stats line, app/StatsLine.cs).</summary>
    public sealed class TcpCounters
    {
        /// <summary>SYNs or cookie ACKs dropped because the listener's accept queue was full.</summary>
        public long RefusedBacklog { get; internal set; }

        /// <summary>New connections dropped because the table was full of connections that were all busy.</summary>
        public long RefusedTableFull { get; internal set; }

        /// <summary>New connections dropped because their address held its share and none of it was idle.</summary>
        public long RefusedPerSource { get; internal set; }

        /// <summary>SYNs from addresses no peer can have (broadcast, multicast, 0/8, 127/8), ignored (RFC 9293 3.10.7.2).</summary>
        public long IgnoredBogusSource { get; internal set; }

        public long SynCookiesSent { get; internal set; }

        /// <summary>ACKs that carried a valid cookie and so opened a connection.</summary>
        public long SynCookiesValidated { get; internal set; }

        /// <summary>ACKs to a listener that matched no connection and no valid cookie (forged or expired): answered with RST.</summary>
        public long SynCookiesRejected { get; internal set; }

        /// <summary>Half-open connections replaced by a new SYN when the table was full and cookies were off.</summary>
        public long HalfOpenDropped { get; internal set; }

        /// <summary>Half-open connections given up after their SYN-ACK retransmissions went unanswered.</summary>
        public long HalfOpenExpired { get; internal set; }

        /// <summary>Connections reset to make room because they had made no progress for the longest.</summary>
        public long EvictedIdle { get; internal set; }

        public long TimeWaitReclaimed { get; internal set; }

        public long ResetsSent { get; internal set; }

        /// <summary>Sum of the defence counters (everything above but RSTs for closed ports), to notice a change cheaply.</summary>
        public long DefenceEvents =>
            RefusedBacklog + RefusedTableFull + RefusedPerSource + IgnoredBogusSource + SynCookiesSent + SynCookiesValidated
            + SynCookiesRejected + HalfOpenDropped + HalfOpenExpired + EvictedIdle;
    }
}
