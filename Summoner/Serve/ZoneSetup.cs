using Summoner.Config;
using Summoner.Dns.Zones;

namespace Summoner.Serve;

/// <summary>Builds the DNS zone Summoner is authoritative for from the [dns] and [[service]] sections.</summary>
public static class ZoneSetup
{
    public static ZoneCatalog Catalog(SummonerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        DnsConfig dns = config.Dns;
        string apex = dns.Zone.TrimEnd('.') + ".";
        string Fqdn(string name) => name.TrimEnd('.') + ".";
        bool InZone(string name) => Summoner.Config.DnsName.IsInZone(name.TrimEnd('.'), dns.Zone.TrimEnd('.'));
        var definition = new ZoneDefinition
        {
            Apex = apex,
            Soa = new SoaDefinition
            {
                PrimaryNameServer = Fqdn(dns.Soa.Mname),
                Mailbox = Fqdn(dns.Soa.Rname),
                Serial = dns.Soa.Serial,
                Refresh = (uint)dns.Soa.Refresh.TotalSeconds,
                Retry = (uint)dns.Soa.Retry.TotalSeconds,
                Expire = (uint)dns.Soa.Expire.TotalSeconds,
                Minimum = (uint)dns.Soa.Minimum.TotalSeconds,
            },
            // An in-zone name server needs glue: Summoner itself answers on the listen address.
            NameServers = [.. dns.NameServers.Select(ns => new NameServerDefinition
            {
                Name = Fqdn(ns),
                Addresses = InZone(ns) ? [dns.Listen.Address.ToString()] : [],
            })],
            Services = [.. config.Services.SelectMany(s => s.DnsNames.Select(n => new ServiceNameDefinition { Name = Fqdn(n), Service = s.Name }))],
        };
        return ZoneCatalog.From(definition);
    }
}
