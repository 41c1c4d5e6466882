using Kernel.Net.Sockets;

namespace Kernel.Net.App
{
    /// <summary>
    /// The counters line the host can read on the guest's console, e.g.
    /// <c>summoner: stats tcp conns=3 halfopen=64 refused.backlog=0 refused.table=0 refused.source=0
    /// bogus=0 cookies.sent=1200 cookies.ok=4 cookies.bad=0 halfopen.dropped=0 halfopen.expired=64
    /// evicted=0 timewait.reclaimed=0 rst=1</c>. Every value is a running total since boot.
    /// The service host prints it at most once per <see cref="IntervalNanoseconds"/>, and only when a
    /// defence counter changed since the last line, so a quiet guest prints none. Other layers (HTTP)
    /// print their own scope in the same form: <c>summoner: stats SCOPE key=value ...</c>.
    /// </summary>
    public static class StatsLine
    {
        public const string Prefix = "summoner: stats ";

        public const long IntervalNanoseconds = 1_000_000_000;

        public static string Format(TcpStack tcp)
        {
            TcpCounters c = tcp.Counters;
            return Prefix + "tcp"
                + Pair("conns", tcp.ConnectionCount)
                + Pair("halfopen", tcp.HalfOpenCount)
                + Pair("refused.backlog", c.RefusedBacklog)
                + Pair("refused.table", c.RefusedTableFull)
                + Pair("refused.source", c.RefusedPerSource)
                + Pair("bogus", c.IgnoredBogusSource)
                + Pair("cookies.sent", c.SynCookiesSent)
                + Pair("cookies.ok", c.SynCookiesValidated)
                + Pair("cookies.bad", c.SynCookiesRejected)
                + Pair("halfopen.dropped", c.HalfOpenDropped)
                + Pair("halfopen.expired", c.HalfOpenExpired)
                + Pair("evicted", c.EvictedIdle)
                + Pair("timewait.reclaimed", c.TimeWaitReclaimed)
                + Pair("rst", c.ResetsSent);
        }

        /// <summary>One <c> key=value</c> field, for scopes other than tcp to build their line the same way.</summary>
        public static string Pair(string key, long value) => " " + key + "=" + value.ToString();
    }
}
