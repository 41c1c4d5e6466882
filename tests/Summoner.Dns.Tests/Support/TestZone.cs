using System.Net;
using Summoner.Dns.Zones;

namespace Summoner.Dns.Tests.Support;

/// <summary>The zone every behaviour test serves, and the answer source behind its service names.</summary>
public static class TestZone
{
    public const string Apex = "summoner.test.";

    /// <summary>Eight 100-byte TXT strings: ~900 bytes, over 512 but under 1232.</summary>
    public const int MediumTxtCount = 8;

    public static ZoneDefinition Definition { get; } = new()
    {
        Apex = Apex,
        Soa = new SoaDefinition { Serial = 2026112201, Minimum = 5, Ttl = 300 },
        NameServers =
        [
            new NameServerDefinition { Name = "ns1", Addresses = ["127.0.0.1", "::1"] },
            new NameServerDefinition { Name = "ns2.elsewhere.example." },
        ],
        Records =
        [
            new RecordDefinition { Name = "www", Type = "A", Value = "127.0.0.10" },
            new RecordDefinition { Name = "www", Type = "AAAA", Value = "fd00::10" },
            new RecordDefinition { Name = "alias", Type = "CNAME", Value = "www" },
            new RecordDefinition { Name = "away", Type = "CNAME", Value = "www.elsewhere.example." },
            new RecordDefinition { Name = "txt", Type = "TXT", Value = "hello from summoner", Ttl = 60 },
            new RecordDefinition { Name = "a.b.deep", Type = "A", Value = "127.0.0.11" },
            .. Enumerable.Range(0, MediumTxtCount).Select(i => new RecordDefinition { Name = "medium", Type = "TXT", Value = Filler(i, 100) }),
            .. Enumerable.Range(0, 30).Select(i => new RecordDefinition { Name = "big", Type = "TXT", Value = Filler(i, 200) }),
        ],
        Services =
        [
            new ServiceNameDefinition { Name = "hello", Service = "hello", HasIpv6 = true },
            new ServiceNameDefinition { Name = "slow", Service = "slow" },
            new ServiceNameDefinition { Name = "broken", Service = "broken" },
            new ServiceNameDefinition { Name = "stuck", Service = "stuck" },
        ],
    };

    public static ZoneCatalog Catalog() => new([Zone.Create(Definition)]);

    private static string Filler(int index, int length) => $"{index:D2}-" + new string((char)('a' + index % 26), length - 3);
}

/// <summary>
/// hello answers at once; slow after <see cref="SlowDelay"/>; broken fails; stuck never answers (the
/// server's deadline must turn it into SERVFAIL).
/// </summary>
public sealed class TestServices : IServiceAnswerSource
{
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(2);

    private static readonly ServiceAnswer Hello = ServiceAnswer.Success([IPAddress.Parse("127.0.0.42"), IPAddress.Parse("fd00::42")], 5);
    private static readonly ServiceAnswer Slow = ServiceAnswer.Success([IPAddress.Parse("127.0.0.43")], 5);

    public ValueTask<ServiceAnswer> ResolveAsync(ServiceQuery query, CancellationToken cancellationToken) => query.Service switch
    {
        "hello" => new ValueTask<ServiceAnswer>(Hello),
        "slow" => SlowAsync(cancellationToken),
        "broken" => new ValueTask<ServiceAnswer>(ServiceAnswer.Failure("boot failed")),
        "stuck" => new ValueTask<ServiceAnswer>(new TaskCompletionSource<ServiceAnswer>().Task),
        _ => throw new InvalidOperationException("unknown service " + query.Service),
    };

    private static async ValueTask<ServiceAnswer> SlowAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(SlowDelay, cancellationToken);
        return Slow;
    }
}
