using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;
using Summoner.Dns.Zones;

namespace Summoner.Dns.Tests;

/// <summary>Configuration mistakes are refused with a message that names the zone, the record and the fix.</summary>
[Trait("Category", "unit")]
public sealed class ZoneDefinitionTests
{
    private static ZoneDefinition Valid(IReadOnlyList<RecordDefinition>? records = null, IReadOnlyList<ServiceNameDefinition>? services = null,
        IReadOnlyList<NameServerDefinition>? nameServers = null) => new()
    {
        Apex = "z.test.",
        NameServers = nameServers ?? [new NameServerDefinition { Name = "ns1", Addresses = ["127.0.0.1"] }],
        Records = records ?? [],
        Services = services ?? [],
    };

    [Theory]
    [InlineData("A", "fd00::1", "is an IPv6 address; use type AAAA")]
    [InlineData("A", "1.2.3", "is not an IPv4 or IPv6 address")]
    [InlineData("MX", "10 mail", "not supported; use A, AAAA, CNAME or TXT")]
    [InlineData("NS", "ns9", "delegations below the apex are not supported")]
    public void Bad_static_records_are_explained(string type, string value, string expected)
    {
        var e = Assert.Throws<ZoneConfigurationException>(() => Zone.Create(Valid([new RecordDefinition { Name = "www", Type = type, Value = value }])));
        Assert.Contains("zone z.test.: record \"www\"", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_outside_the_zone_is_refused()
    {
        var e = Assert.Throws<ZoneConfigurationException>(() => Zone.Create(Valid([new RecordDefinition { Name = "www.other.test.", Type = "A", Value = "127.0.0.1" }])));
        Assert.Contains("outside zone z.test.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_server_rules_are_enforced()
    {
        Assert.Contains("no name servers", Assert.Throws<ZoneConfigurationException>(() => Zone.Create(Valid(nameServers: []))).Message, StringComparison.Ordinal);
        Assert.Contains("needs its addresses (glue)", Assert.Throws<ZoneConfigurationException>(
            () => Zone.Create(Valid(nameServers: [new NameServerDefinition { Name = "ns1" }]))).Message, StringComparison.Ordinal);
        Assert.Contains("outside the zone", Assert.Throws<ZoneConfigurationException>(
            () => Zone.Create(Valid(nameServers: [new NameServerDefinition { Name = "ns.other.test.", Addresses = ["127.0.0.1"] }]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_cannot_be_both_service_and_static_nor_a_cname_with_company()
    {
        Assert.Contains("is a service name and also has static records", Assert.Throws<ZoneConfigurationException>(() => Zone.Create(Valid(
            [new RecordDefinition { Name = "hello", Type = "A", Value = "127.0.0.1" }],
            [new ServiceNameDefinition { Name = "hello", Service = "hello" }]))).Message, StringComparison.Ordinal);
        Assert.Contains("a CNAME must stand alone", Assert.Throws<ZoneConfigurationException>(() => Zone.Create(Valid(
            [new RecordDefinition { Name = "x", Type = "CNAME", Value = "www" }, new RecordDefinition { Name = "x", Type = "TXT", Value = "t" }]))).Message, StringComparison.Ordinal);
        Assert.Contains("already names service", Assert.Throws<ZoneConfigurationException>(() => Zone.Create(Valid(services:
            [new ServiceNameDefinition { Name = "a", Service = "a" }, new ServiceNameDefinition { Name = "A", Service = "b" }]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_apex_twice_is_refused_by_the_catalog()
    {
        var e = Assert.Throws<ZoneConfigurationException>(() => ZoneCatalog.From(Valid(), Valid()));
        Assert.Contains("configured twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_keys_are_listed_for_the_engine()
    {
        var zone = Zone.Create(Valid(services: [new ServiceNameDefinition { Name = "a", Service = "web" }, new ServiceNameDefinition { Name = "b", Service = "web" }]));
        Assert.Equal(["web"], zone.ServiceKeys);
    }

    [Fact]
    public void Names_already_under_the_apex_are_taken_as_written_and_others_as_relative()
    {
        var catalog = ZoneCatalog.From(new ZoneDefinition
        {
            Apex = "summoner.test",
            NameServers = [new NameServerDefinition { Name = "ns1.summoner.test", Addresses = ["127.0.0.1"] }],
            Services = [new ServiceNameDefinition { Name = "hello.summoner.test", Service = "hello" }, new ServiceNameDefinition { Name = "web", Service = "web" }],
        });
        var responder = new DnsResponder(catalog, new TestServices(), new DnsServerOptions(), new DnsCounters());
        var response = new byte[4096];
        int Rcode(string name)
        {
            // TXT: the names exist (NODATA) without asking the answer source.
            var pending = responder.RespondAsync(WireClient.Query(name, DnsRecordType.TXT), response, DnsTransport.Udp, CancellationToken.None);
            int length = pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("answers synchronously");
            return DecodedMessage.Decode(response.AsSpan(0, length)).ResponseCode;
        }
        Assert.Equal(0, Rcode("ns1.summoner.test"));
        Assert.Equal(0, Rcode("hello.summoner.test"));
        Assert.Equal(0, Rcode("web.summoner.test"));
        Assert.Equal(3, Rcode("hello.summoner.test.summoner.test"));
        Assert.Equal(["hello", "web"], catalog.Zones[0].ServiceKeys.Order());
    }
}
