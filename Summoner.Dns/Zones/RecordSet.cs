using Summoner.Dns.Wire;

namespace Summoner.Dns.Zones;

/// <summary>All records of one type at one name, pre-encoded so answering is a copy.</summary>
internal abstract class RecordSet(DnsRecordType type, uint ttl)
{
    public DnsRecordType Type { get; } = type;
    public uint Ttl { get; private set; } = ttl;

    /// <summary>RFC 2181 section 5.2: one TTL per RRset; the smallest configured one wins.</summary>
    public void LowerTtl(uint ttl) => Ttl = Math.Min(Ttl, ttl);

    public abstract int Count { get; }

    /// <summary>Writes every record; on failure the writer is left where it was before the set.</summary>
    public bool TryWrite(ref DnsMessageWriter writer, DnsSection section, ReadOnlySpan<byte> owner) =>
        TryWrite(ref writer, section, owner, Ttl);

    public bool TryWrite(ref DnsMessageWriter writer, DnsSection section, ReadOnlySpan<byte> owner, uint ttl)
    {
        var mark = writer.Mark();
        for (int i = 0; i < Count; i++)
        {
            if (!TryWriteOne(ref writer, section, owner, ttl, i))
            {
                writer.Rewind(mark);
                return false;
            }
        }
        return true;
    }

    protected abstract bool TryWriteOne(ref DnsMessageWriter writer, DnsSection section, ReadOnlySpan<byte> owner, uint ttl, int index);
}

/// <summary>A, AAAA, TXT: RDATA without names, stored as bytes.</summary>
internal sealed class OpaqueRecordSet(DnsRecordType type, uint ttl) : RecordSet(type, ttl)
{
    private readonly List<byte[]> _data = [];

    public override int Count => _data.Count;

    public void Add(byte[] data)
    {
        // A set holds each record once (RFC 2181 section 5); duplicates in configuration collapse.
        if (!_data.Exists(d => d.AsSpan().SequenceEqual(data))) _data.Add(data);
    }

    protected override bool TryWriteOne(ref DnsMessageWriter writer, DnsSection section, ReadOnlySpan<byte> owner, uint ttl, int index) =>
        writer.TryWriteRecord(section, owner, Type, (ushort)DnsClass.IN, ttl, _data[index]);
}

/// <summary>NS and CNAME: RDATA is a name, written compressed.</summary>
internal sealed class NameRecordSet(DnsRecordType type, uint ttl) : RecordSet(type, ttl)
{
    private readonly List<DnsName> _targets = [];

    public override int Count => _targets.Count;

    public IReadOnlyList<DnsName> Targets => _targets;

    public void Add(DnsName target)
    {
        if (!_targets.Contains(target)) _targets.Add(target);
    }

    protected override bool TryWriteOne(ref DnsMessageWriter writer, DnsSection section, ReadOnlySpan<byte> owner, uint ttl, int index) =>
        writer.TryWriteNameRecord(section, owner, Type, ttl, _targets[index].Wire);
}

internal sealed class SoaRecordSet(uint ttl, DnsName primary, DnsName mailbox, SoaDefinition numbers) : RecordSet(DnsRecordType.SOA, ttl)
{
    public override int Count => 1;

    /// <summary>RFC 2308 section 3: the SOA in a negative answer carries min(SOA TTL, MINIMUM).</summary>
    public uint NegativeTtl => Math.Min(Ttl, numbers.Minimum);

    protected override bool TryWriteOne(ref DnsMessageWriter writer, DnsSection section, ReadOnlySpan<byte> owner, uint ttl, int index) =>
        writer.TryWriteSoa(section, owner, ttl, primary.Wire, mailbox.Wire,
            numbers.Serial, numbers.Refresh, numbers.Retry, numbers.Expire, numbers.Minimum);
}
