using System.Globalization;
using System.Net;
using System.Text;
using Summoner.Dns;
using Summoner.Dns.Zones;

namespace DnsBench;

/// <summary>
/// The zone both servers serve: our server from this definition, NSD from <see cref="ToMasterFile"/>
/// of the same definition. Service names are static A records for NSD and a ready service for us.
/// </summary>
internal static class BenchZone
{
    public const string Apex = "bench.test.";
    public const int Hosts = 50;

    public static readonly IPAddress ServiceAddress = IPAddress.Parse("127.0.0.80");

    public static ZoneDefinition Definition { get; } = new()
    {
        Apex = Apex,
        Soa = new SoaDefinition { Serial = 1, Refresh = 3600, Retry = 600, Expire = 86400, Minimum = 5, Ttl = 300 },
        NameServers = [new NameServerDefinition { Name = "ns1", Addresses = ["127.0.0.1"] }],
        Records =
        [
            new RecordDefinition { Name = "www", Type = "A", Value = "127.0.0.10" },
            new RecordDefinition { Name = "www", Type = "AAAA", Value = "fd00::10" },
            new RecordDefinition { Name = "txt", Type = "TXT", Value = "summoner benchmark" },
            new RecordDefinition { Name = "alias", Type = "CNAME", Value = "www" },
            .. Enumerable.Range(1, Hosts).Select(i => new RecordDefinition { Name = $"host{i}", Type = "A", Value = $"127.0.1.{i}" }),
        ],
        Services = [new ServiceNameDefinition { Name = "hello", Service = "hello" }],
    };

    /// <summary>The same zone in RFC 1035 master-file form for NSD.</summary>
    public static string ToMasterFile()
    {
        var d = Definition;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"$ORIGIN {Apex}\n$TTL {d.DefaultTtl}\n");
        text.Append(CultureInfo.InvariantCulture, $"@ {d.Soa.Ttl} IN SOA ns1.{Apex} hostmaster.{Apex} {d.Soa.Serial} {d.Soa.Refresh} {d.Soa.Retry} {d.Soa.Expire} {d.Soa.Minimum}\n");
        foreach (var ns in d.NameServers)
        {
            text.Append(CultureInfo.InvariantCulture, $"@ IN NS {ns.Name}\n");
            foreach (string address in ns.Addresses) text.Append(CultureInfo.InvariantCulture, $"{ns.Name} IN A {address}\n");
        }
        foreach (var r in d.Records)
        {
            string value = r.Type == "TXT" ? $"\"{r.Value}\"" : r.Value;
            text.Append(CultureInfo.InvariantCulture, $"{r.Name} {r.Ttl ?? d.DefaultTtl} IN {r.Type} {value}\n");
        }
        foreach (var s in d.Services) text.Append(CultureInfo.InvariantCulture, $"{s.Name} 5 IN A {ServiceAddress}\n");
        return text.ToString();
    }
}

/// <summary>Every service is ready: the answer is cached and returned synchronously, as the summon engine does for a running guest.</summary>
internal sealed class ReadyServices : IServiceAnswerSource
{
    private static readonly ServiceAnswer Ready = ServiceAnswer.Success([BenchZone.ServiceAddress], 5);

    public ValueTask<ServiceAnswer> ResolveAsync(ServiceQuery query, CancellationToken cancellationToken) => new(Ready);
}
