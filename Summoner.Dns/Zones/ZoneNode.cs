using Summoner.Dns.Wire;

namespace Summoner.Dns.Zones;

/// <summary>One owner name in a zone: its record sets, or the service whose address it names. A node with neither is an empty non-terminal.</summary>
internal sealed class ZoneNode(DnsName name)
{
    private readonly List<RecordSet> _sets = [];

    public DnsName Name { get; } = name;

    /// <summary>Key handed to the answer source; null for static names.</summary>
    public string? Service { get; set; }

    /// <summary>Whether the service can have an IPv6 address: without one, AAAA is NODATA with no summon.</summary>
    public bool ServiceHasIpv6 { get; set; }

    public IReadOnlyList<RecordSet> Sets => _sets;

    public bool IsEmpty => _sets.Count == 0 && Service is null;

    public RecordSet? Find(DnsRecordType type)
    {
        foreach (var set in _sets)
        {
            if (set.Type == type) return set;
        }
        return null;
    }

    public void Add(RecordSet set)
    {
        _sets.Add(set);
        _sets.Sort((a, b) => ((ushort)a.Type).CompareTo((ushort)b.Type));
    }
}
