using System.Net;
using System.Net.Sockets;
using System.Text;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Zones;

/// <summary>
/// A compiled, immutable authoritative zone: the apex with its SOA and NS sets, static records,
/// service names and the empty non-terminals between them. Lookups take a wire name and allocate nothing.
/// </summary>
public sealed class Zone
{
    private readonly Dictionary<string, ZoneNode> _nodes;
    private readonly Dictionary<string, ZoneNode>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private Zone(DnsName apex, Dictionary<string, ZoneNode> nodes, SoaRecordSet soa)
    {
        Apex = apex;
        _nodes = nodes;
        _lookup = nodes.GetAlternateLookup<ReadOnlySpan<char>>();
        Soa = soa;
        ApexNode = nodes[apex.Key];
    }

    public DnsName Apex { get; }

    internal SoaRecordSet Soa { get; }

    internal ZoneNode ApexNode { get; }

    /// <summary>Every service key named by this zone, for the engine to check against its own configuration.</summary>
    public IEnumerable<string> ServiceKeys => _nodes.Values.Where(n => n.Service is not null).Select(n => n.Service!).Distinct();

    /// <summary>Finds the node for a name at or below the apex; null means the name does not exist (NXDOMAIN).</summary>
    internal ZoneNode? Find(ReadOnlySpan<byte> name)
    {
        Span<char> key = stackalloc char[name.Length];
        DnsName.WriteKey(name, key);
        return _lookup.TryGetValue(key, out var node) ? node : null;
    }

    public static Zone Create(ZoneDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!DnsName.TryParse(definition.Apex, out var apex, out string? apexError))
            throw new ZoneConfigurationException($"zone apex: {apexError}");
        var builder = new ZoneBuilder(apex, definition.DefaultTtl);
        string where = $"zone {apex}";

        if (definition.NameServers.Count == 0)
            throw new ZoneConfigurationException($"{where}: no name servers; list at least one (e.g. \"ns1\" with its address)");
        var apexNs = new NameRecordSet(DnsRecordType.NS, definition.DefaultTtl);
        foreach (var ns in definition.NameServers)
        {
            var nsName = builder.Resolve(ns.Name, $"{where}: name server");
            apexNs.Add(nsName);
            bool inZone = nsName.IsSubdomainOf(apex);
            if (inZone && ns.Addresses.Count == 0)
                throw new ZoneConfigurationException($"{where}: name server {nsName} is inside the zone and needs its addresses (glue)");
            if (!inZone && ns.Addresses.Count > 0)
                throw new ZoneConfigurationException($"{where}: name server {nsName} is outside the zone, so its addresses would not be served; remove them");
            foreach (string address in ns.Addresses)
                builder.AddAddress(nsName, address, definition.DefaultTtl, $"{where}: name server {nsName}");
        }
        builder.Node(apex).Add(apexNs);

        var soaDefinition = definition.Soa;
        var primary = soaDefinition.PrimaryNameServer is null ? apexNs.Targets[0] : builder.Resolve(soaDefinition.PrimaryNameServer, $"{where}: SOA primary name server");
        var mailbox = soaDefinition.Mailbox is null ? apex.Prepend("hostmaster") : builder.Resolve(soaDefinition.Mailbox, $"{where}: SOA mailbox");
        var soa = new SoaRecordSet(soaDefinition.Ttl, primary, mailbox, soaDefinition);
        builder.Node(apex).Add(soa);

        foreach (var record in definition.Records) builder.AddRecord(record);
        foreach (var service in definition.Services) builder.AddService(service);
        return new Zone(apex, builder.Finish(), soa);
    }

    /// <summary>Accumulates nodes while a definition is validated.</summary>
    private sealed class ZoneBuilder(DnsName apex, uint defaultTtl)
    {
        private readonly Dictionary<string, ZoneNode> _nodes = new(StringComparer.Ordinal);

        public ZoneNode Node(DnsName name)
        {
            if (!_nodes.TryGetValue(name.Key, out var node)) _nodes[name.Key] = node = new ZoneNode(name);
            return node;
        }

        public DnsName Resolve(string text, string context)
        {
            if (string.IsNullOrWhiteSpace(text)) throw new ZoneConfigurationException($"{context}: the name is empty");
            if (text == "@") return apex;
            try
            {
                if (text.EndsWith('.')) return DnsName.Parse(text);
                // "ns1.summoner.test" in zone summoner.test means the obvious name, not ns1.summoner.test.summoner.test.
                var asWritten = DnsName.Parse(text);
                return asWritten.IsSubdomainOf(apex) ? asWritten : apex.Prepend(text);
            }
            catch (FormatException e)
            {
                throw new ZoneConfigurationException($"{context}: {e.Message}", e);
            }
        }

        private DnsName ResolveInZone(string text, string context)
        {
            var name = Resolve(text, context);
            if (!name.IsSubdomainOf(apex))
                throw new ZoneConfigurationException($"{context}: {name} is outside zone {apex}; write it relative to the apex (\"www\") or under it");
            return name;
        }

        public void AddAddress(DnsName owner, string text, uint ttl, string context, DnsRecordType? expected = null)
        {
            // IPAddress.TryParse also takes inet_aton shorthands ("1.2.3", "0x7f.1"): insist on four decimal parts for IPv4.
            if (!IPAddress.TryParse(text, out var address) || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                || (address.AddressFamily == AddressFamily.InterNetwork && !IsDottedQuad(text)))
                throw new ZoneConfigurationException($"{context}: \"{text}\" is not an IPv4 or IPv6 address");
            var type = address.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;
            if (expected is { } want && want != type)
                throw new ZoneConfigurationException($"{context}: \"{text}\" is an {(type == DnsRecordType.A ? "IPv4" : "IPv6")} address; use type {type}");
            Opaque(owner, type, ttl).Add(address.GetAddressBytes());
        }

        private static bool IsDottedQuad(string text)
        {
            string[] parts = text.Split('.');
            return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
        }

        private OpaqueRecordSet Opaque(DnsName owner, DnsRecordType type, uint ttl)
        {
            var node = Node(owner);
            if (node.Find(type) is OpaqueRecordSet existing)
            {
                existing.LowerTtl(ttl);
                return existing;
            }
            var set = new OpaqueRecordSet(type, ttl);
            node.Add(set);
            return set;
        }

        public void AddRecord(RecordDefinition record)
        {
            string context = $"zone {apex}: record \"{record.Name}\" {record.Type}";
            var owner = ResolveInZone(record.Name, context);
            uint ttl = record.Ttl ?? defaultTtl;
            switch (record.Type.ToUpperInvariant())
            {
                case "A":
                    AddAddress(owner, record.Value, ttl, context, DnsRecordType.A);
                    break;
                case "AAAA":
                    AddAddress(owner, record.Value, ttl, context, DnsRecordType.AAAA);
                    break;
                case "TXT":
                    Opaque(owner, DnsRecordType.TXT, ttl).Add(EncodeText(record.Value));
                    break;
                case "CNAME":
                    if (owner.Equals(apex)) throw new ZoneConfigurationException($"{context}: a CNAME cannot sit at the zone apex (it must hold SOA and NS)");
                    var target = Resolve(record.Value, context);
                    var node = Node(owner);
                    if (node.Find(DnsRecordType.CNAME) is not null)
                        throw new ZoneConfigurationException($"{context}: {owner} already has a CNAME; a name has at most one");
                    var cname = new NameRecordSet(DnsRecordType.CNAME, ttl);
                    cname.Add(target);
                    node.Add(cname);
                    break;
                case "NS":
                    throw new ZoneConfigurationException($"{context}: NS records are taken from the zone's name servers; delegations below the apex are not supported");
                default:
                    throw new ZoneConfigurationException($"{context}: type \"{record.Type}\" is not supported; use A, AAAA, CNAME or TXT");
            }
        }

        public void AddService(ServiceNameDefinition service)
        {
            string context = $"zone {apex}: service name \"{service.Name}\"";
            if (string.IsNullOrWhiteSpace(service.Service)) throw new ZoneConfigurationException($"{context}: the service it names is empty");
            var owner = ResolveInZone(service.Name, context);
            if (owner.Equals(apex)) throw new ZoneConfigurationException($"{context}: the apex cannot be a service name; use a name below it");
            var node = Node(owner);
            if (node.Service is not null)
                throw new ZoneConfigurationException($"{context}: {owner} already names service \"{node.Service}\"");
            node.Service = service.Service;
            node.ServiceHasIpv6 = service.HasIpv6;
        }

        public Dictionary<string, ZoneNode> Finish()
        {
            foreach (var node in _nodes.Values.ToList())
            {
                if (node.Service is not null && node.Sets.Count > 0)
                    throw new ZoneConfigurationException($"zone {apex}: {node.Name} is a service name and also has static records; remove one");
                if (node.Find(DnsRecordType.CNAME) is not null && node.Sets.Count > 1)
                    throw new ZoneConfigurationException($"zone {apex}: {node.Name} has a CNAME and other records; a CNAME must stand alone");
                // Every name between a node and the apex exists (RFC 8020): NODATA there, not NXDOMAIN.
                var wire = node.Name.Wire;
                for (int i = 0; wire.Length - i > apex.Wire.Length; i += 1 + wire[i]) Node(DnsName.FromWire(wire[i..]));
            }
            return new Dictionary<string, ZoneNode>(_nodes, StringComparer.Ordinal);
        }

        private byte[] EncodeText(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            var data = new List<byte>(bytes.Length + bytes.Length / 255 + 1);
            int offset = 0;
            do
            {
                int chunk = Math.Min(255, bytes.Length - offset);
                data.Add((byte)chunk);
                data.AddRange(bytes.AsSpan(offset, chunk));
                offset += chunk;
            }
            while (offset < bytes.Length);
            if (data.Count > 65535) throw new ZoneConfigurationException($"zone {apex}: a TXT value is too long for one record (64 KiB)");
            return [.. data];
        }
    }
}
