namespace Summoner.Dns.Zones;

/// <summary>
/// One authoritative zone as configuration describes it. Names in <see cref="NameServers"/>,
/// <see cref="Records"/> and <see cref="Services"/> are absolute when they end with a dot or already
/// end with the apex ("ns1.summoner.test"), otherwise relative to <see cref="Apex"/> ("www"; "@" is the
/// apex itself). <see cref="Zone.Create"/> validates it all.
/// </summary>
public sealed class ZoneDefinition
{
    /// <summary>The zone apex, e.g. "summoner.test.".</summary>
    public required string Apex { get; init; }

    public SoaDefinition Soa { get; init; } = new();

    /// <summary>At least one; each with its addresses when it lives inside the zone (glue).</summary>
    public IReadOnlyList<NameServerDefinition> NameServers { get; init; } = [];

    public IReadOnlyList<RecordDefinition> Records { get; init; } = [];

    /// <summary>Names answered by the <see cref="IServiceAnswerSource"/> (A and AAAA only).</summary>
    public IReadOnlyList<ServiceNameDefinition> Services { get; init; } = [];

    /// <summary>TTL of the apex NS set and of static records that give none.</summary>
    public uint DefaultTtl { get; init; } = 300;
}

/// <summary>SOA fields (RFC 1035 section 3.3.13); <see cref="Minimum"/> is the negative-caching TTL (RFC 2308).</summary>
public sealed class SoaDefinition
{
    /// <summary>MNAME; defaults to the first name server.</summary>
    public string? PrimaryNameServer { get; init; }

    /// <summary>RNAME in name form ("hostmaster.summoner.test."); defaults to "hostmaster" under the apex.</summary>
    public string? Mailbox { get; init; }

    public uint Serial { get; init; } = 1;
    public uint Refresh { get; init; } = 3600;
    public uint Retry { get; init; } = 600;
    public uint Expire { get; init; } = 86400;
    public uint Minimum { get; init; } = 5;
    public uint Ttl { get; init; } = 300;
}

public sealed class NameServerDefinition
{
    public required string Name { get; init; }

    /// <summary>IPv4/IPv6 addresses in text form; required when <see cref="Name"/> is inside the zone.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];
}

/// <summary>A static record: Type is A, AAAA, CNAME, TXT or NS (below the apex is refused: no delegations).</summary>
public sealed class RecordDefinition
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    /// <summary>Address, target name, or text (TXT longer than 255 bytes is split into several strings).</summary>
    public required string Value { get; init; }
    public uint? Ttl { get; init; }
}

/// <summary>A DNS name whose address comes from the summon engine; <see cref="Service"/> is the key handed to it.</summary>
public sealed class ServiceNameDefinition
{
    public required string Name { get; init; }
    public required string Service { get; init; }

    /// <summary>
    /// Whether the answer source can give the service an IPv6 address. When false, AAAA for the name is
    /// NODATA at once, with no summon (a client asking A and AAAA in parallel boots nothing twice).
    /// </summary>
    public bool HasIpv6 { get; init; }
}
