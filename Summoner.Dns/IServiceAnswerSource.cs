using System.Net;
using System.Net.Sockets;
using Summoner.Dns.Wire;

namespace Summoner.Dns;

/// <summary>
/// Where the address of a service name comes from: the summon engine implements it. A ready service
/// should complete synchronously (no allocation, no thread hop); a cold one completes when the service
/// can take connections. The server enforces its own deadline and answers SERVFAIL when it passes, so
/// an implementation need not watch one; <c>cancellationToken</c> fires when the server shuts down.
/// </summary>
public interface IServiceAnswerSource
{
    ValueTask<ServiceAnswer> ResolveAsync(ServiceQuery query, CancellationToken cancellationToken);
}

/// <summary>A question about one configured service: which service (its key from the zone) and which address family (A or AAAA).</summary>
public readonly record struct ServiceQuery(string Service, DnsRecordType Type)
{
    /// <summary>
    /// The asking client's address (null when unknown), for per-client budgets. The server reuses
    /// the object for the next datagram: read it only during <see cref="IServiceAnswerSource.ResolveAsync"/>'s
    /// synchronous part.
    /// </summary>
    public SocketAddress? Client { get; init; }

    public AddressFamily Family => Type == DnsRecordType.AAAA ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
}

/// <summary>
/// The outcome of a <see cref="ServiceQuery"/>: the service's addresses and how long resolvers may cache
/// them, or a failure (answered as SERVFAIL). Addresses of the other family are ignored; an answer without
/// any of the asked family is answered as NODATA. Cache and reuse one instance per ready service.
/// </summary>
public readonly struct ServiceAnswer
{
    private ServiceAnswer(IReadOnlyList<IPAddress> addresses, uint ttlSeconds, string? failureReason)
    {
        Addresses = addresses;
        TtlSeconds = ttlSeconds;
        FailureReason = failureReason;
    }

    public IReadOnlyList<IPAddress> Addresses { get; }
    public uint TtlSeconds { get; }
    public string? FailureReason { get; }
    public bool IsFailure => FailureReason is not null;

    public static ServiceAnswer Success(IReadOnlyList<IPAddress> addresses, uint ttlSeconds)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return new ServiceAnswer(addresses, ttlSeconds, null);
    }

    public static ServiceAnswer Failure(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new ServiceAnswer([], 0, reason);
    }
}
