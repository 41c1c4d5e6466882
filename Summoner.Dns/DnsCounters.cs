using Summoner.Dns.Wire;

namespace Summoner.Dns;

/// <summary>Counts kept by a running server; read them through <see cref="Snapshot"/>.</summary>
public sealed class DnsCounters
{
    private readonly long[] _byResponseCode = new long[24];
    private long _dropped;
    private long _truncated;
    private long _udpQueries;
    private long _tcpQueries;
    private long _serviceDeadlineExceeded;
    private long _serviceFailures;
    private long _tcpConnectionsRefused;
    private long _tcpRefusedPerClient;
    private long _tcpSlowSendersCut;

    internal void Responded(DnsResponseCode code) => Interlocked.Increment(ref _byResponseCode[(int)code % _byResponseCode.Length]);
    internal void Dropped() => Interlocked.Increment(ref _dropped);
    internal void Truncated() => Interlocked.Increment(ref _truncated);
    internal void Query(DnsTransport transport) => Interlocked.Increment(ref transport == DnsTransport.Udp ? ref _udpQueries : ref _tcpQueries);
    internal void ServiceDeadlineExceeded() => Interlocked.Increment(ref _serviceDeadlineExceeded);
    internal void ServiceFailed() => Interlocked.Increment(ref _serviceFailures);
    internal void TcpConnectionRefused() => Interlocked.Increment(ref _tcpConnectionsRefused);
    internal void TcpRefusedPerClient() => Interlocked.Increment(ref _tcpRefusedPerClient);
    internal void TcpSlowSenderCut() => Interlocked.Increment(ref _tcpSlowSendersCut);

    public DnsCounterSnapshot Snapshot()
    {
        var byCode = new Dictionary<DnsResponseCode, long>();
        foreach (var code in Enum.GetValues<DnsResponseCode>()) byCode[code] = Interlocked.Read(ref _byResponseCode[(int)code]);
        return new DnsCounterSnapshot(
            byCode,
            Interlocked.Read(ref _dropped),
            Interlocked.Read(ref _truncated),
            Interlocked.Read(ref _udpQueries),
            Interlocked.Read(ref _tcpQueries),
            Interlocked.Read(ref _serviceDeadlineExceeded),
            Interlocked.Read(ref _serviceFailures),
            Interlocked.Read(ref _tcpConnectionsRefused),
            Interlocked.Read(ref _tcpRefusedPerClient),
            Interlocked.Read(ref _tcpSlowSendersCut));
    }
}

/// <summary>
/// A point-in-time copy of <see cref="DnsCounters"/> for the metrics layer: responses by rcode, messages
/// dropped unanswered (shorter than a header, or themselves responses), truncated UDP answers, queries by
/// transport, service answers that missed the deadline or failed, TCP connections refused over the global
/// cap (<see cref="TcpConnectionsRefused"/>) or over one client's cap, and TCP connections cut because a
/// message did not arrive whole within the message timeout.
/// </summary>
public sealed record DnsCounterSnapshot(
    IReadOnlyDictionary<DnsResponseCode, long> ResponsesByCode,
    long Dropped,
    long Truncated,
    long UdpQueries,
    long TcpQueries,
    long ServiceDeadlineExceeded,
    long ServiceFailures,
    long TcpConnectionsRefused,
    long TcpRefusedPerClient,
    long TcpSlowSendersCut)
{
    public long Responses(DnsResponseCode code) => ResponsesByCode.TryGetValue(code, out long n) ? n : 0;
}

public enum DnsTransport
{
    Udp,
    Tcp,
}
