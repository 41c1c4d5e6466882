using System.Net;

namespace Summoner.Config;

/// <summary>[dns]: where the authoritative server listens and the zone it serves.</summary>
public sealed record DnsConfig
{
    /// <summary>UDP and TCP listen endpoint. Default 127.0.0.1:5300 (unprivileged, and not mDNS's 5353).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>Zone apex, lower-case, no trailing dot (default "summoner.test").</summary>
    public required string Zone { get; init; }

    /// <summary>NS records at the apex, fully qualified, lower-case, no trailing dot.</summary>
    public required IReadOnlyList<string> NameServers { get; init; }

    public required SoaConfig Soa { get; init; }

    /// <summary>TTL of service A/AAAA answers: short, so clients come back to DNS after a reap. Whole seconds.</summary>
    public required TimeSpan ServiceTtl { get; init; }

    /// <summary>How long a query may wait for its summon before it is answered SERVFAIL.</summary>
    public required TimeSpan AnswerDeadline { get; init; }

    /// <summary>DNS-over-TCP connections open at once, from all clients.</summary>
    public int TcpConnections { get; init; } = 256;

    /// <summary>DNS-over-TCP connections one client address may hold: below the global cap, so no client takes them all.</summary>
    public int TcpConnectionsPerClient { get; init; } = 16;

    /// <summary>A TCP message must arrive whole within this once begun; slower senders are cut.</summary>
    public TimeSpan TcpMessageTimeout { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>[dns.soa]: the zone's SOA record (RFC 1035 3.3.13). Timers are whole seconds.</summary>
public sealed record SoaConfig
{
    public required string Mname { get; init; }

    /// <summary>Mailbox of the person responsible, as a domain name (hostmaster.summoner.test).</summary>
    public required string Rname { get; init; }

    public required uint Serial { get; init; }

    public required TimeSpan Refresh { get; init; }

    public required TimeSpan Retry { get; init; }

    public required TimeSpan Expire { get; init; }

    /// <summary>Negative-caching TTL (RFC 2308): how long resolvers remember NXDOMAIN.</summary>
    public required TimeSpan Minimum { get; init; }
}

public enum Accelerator
{
    /// <summary>Hardware KVM when it can run our guests (a real probe decides), else TCG.</summary>
    Auto,
    Kvm,
    Tcg,
}

/// <summary>[libvirt]: which libvirt and where Summoner keeps its state.</summary>
public sealed record LibvirtConfig
{
    /// <summary>Default: the embedded QEMU driver under the state directory, qemu:///embed?root=STATE/libvirt.</summary>
    public required string Uri { get; init; }

    /// <summary>Absolute path; default "state" beside the configuration file.</summary>
    public required string StateDirectory { get; init; }

    public required Accelerator Accelerator { get; init; }

    /// <summary>Guest console logs (and QEMU's own logs) kept per service; older ones are deleted, a running guest's never.</summary>
    public int KeepLogs { get; init; } = 5;
}

public enum NetworkMode
{
    /// <summary>Each service on its own 127.x.y.z, guest ports forwarded by QEMU user networking; no root networking.</summary>
    Loopback,

    /// <summary>Each service on its own address on a Linux bridge (optionally in a network namespace), tap per guest.</summary>
    Bridge,
}

/// <summary>[network]</summary>
public sealed record NetworkConfig
{
    public required NetworkMode Mode { get; init; }

    /// <summary>Where loopback-mode service addresses come from (inside 127.0.0.0/8; default 127.77.0.0/16).</summary>
    public required IPNetwork LoopbackRange { get; init; }

    public required BridgeConfig Bridge { get; init; }
}

/// <summary>[network.bridge]: used when mode = "bridge".</summary>
public sealed record BridgeConfig
{
    public required string Name { get; init; }

    public required IPNetwork Subnet { get; init; }

    /// <summary>The bridge's own address (the guests' gateway), inside <see cref="Subnet"/>.</summary>
    public required IPAddress Gateway { get; init; }

    /// <summary>Network namespace holding the bridge and taps; null means the host's own namespace.</summary>
    public string? Netns { get; init; }
}

/// <summary>[limits]: caps. A summon over a cap waits for room within the DNS answer deadline
/// (at most <see cref="WaitingSummons"/> wait at once); only then is it refused (SERVFAIL and a metric).</summary>
public sealed record LimitsConfig
{
    /// <summary>Summons from create until ready or failed, warm-pool preparations included.</summary>
    public required int ConcurrentBoots { get; init; }

    /// <summary>How many summons may wait for room under a cap; more are refused at once.</summary>
    public int WaitingSummons { get; init; } = 64;

    /// <summary>DNS queries that may wait for summons at once (waiting for a boot, or for room under a cap); more get SERVFAIL at once.</summary>
    public int WaitingQueries { get; init; } = 1024;

    /// <summary>Boots one client network (IPv4 /24, IPv6 /56) may start in a burst; 0 turns the budget off.</summary>
    public int ClientSummons { get; init; } = 20;

    /// <summary>How long until a client network may start one more boot.</summary>
    public TimeSpan ClientSummonRefill { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Whether loopback clients are budgeted too (off: see summoner.toml).</summary>
    public bool ClientBudgetLoopback { get; init; }

    public required int RunningGuests { get; init; }

    public required long TotalGuestMemoryBytes { get; init; }
}

/// <summary>[metrics]: the HTTP listener for /metrics, /healthz, /readyz and the token-guarded control API.</summary>
public sealed record MetricsConfig
{
    /// <summary>Default 127.0.0.1:9753.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>
    /// A listen address outside loopback exposes /metrics to other hosts: it must be asked for with
    /// allow_remote = true, and serve warns about it.
    /// </summary>
    public bool AllowRemote { get; init; }

    /// <summary>The control token's file (owner-only), under the state directory; the CLI reads it to call the control API.</summary>
    public static string TokenPath(string stateDirectory) => Path.Combine(stateDirectory, "control.token");
}

/// <summary>[defaults]: values a [[service]] gets unless it sets its own.</summary>
public sealed record ServiceDefaults
{
    public required long MemoryBytes { get; init; }

    public required int Vcpus { get; init; }

    public required TimeSpan IdleTimeout { get; init; }

    /// <summary>How long a boot may take to readiness before the guest is destroyed as failed.</summary>
    public required TimeSpan BootDeadline { get; init; }
}
