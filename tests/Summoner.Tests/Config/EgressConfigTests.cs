using Summoner.Config;
using Summoner.Egress;
using Summoner.Engine;
using Summoner.Serve;

namespace Summoner.Tests.Config;

/// <summary>egress = ["host:port", ...]: what it loads to, what the guest and QEMU are given, the broker's check, and located errors.</summary>
[Trait("Category", "unit")]
public sealed class EgressConfigTests
{
    private const string File = "/srv/sum/egress.toml";

    private const string Other = "[[service]]\nname = \"db\"\nimage = \"db\"\nports = [5432]\n";

    private static string Service(string egress) => $"[[service]]\nname = \"api\"\nimage = \"api\"\nports = [80]\negress = {egress}\n" + Other;

    private static ServiceConfig Load(string text) => SummonerConfig.Parse(text, File).Services[0];

    private static ConfigError SingleError(string text)
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(text, File));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void Entries_load_lower_cased_and_a_service_without_egress_has_none()
    {
        ServiceConfig s = Load(Service("[\"DB.Summoner.Test.:5432\", \"127.0.0.1:9000\", \"api.example.test:443\"]"));
        Assert.Equal(["db.summoner.test:5432", "127.0.0.1:9000", "api.example.test:443"], s.Egress);
        Assert.Empty(SummonerConfig.Parse(Other, File).Services[0].Egress);
    }

    [Fact]
    public void Only_a_service_with_egress_gets_the_broker_port_forwarded_and_named_on_its_command_line()
    {
        ServiceSpec with = EngineSetup.ToSpec(Load(Service("[\"db.summoner.test:5432\"]")));
        ServiceSpec without = EngineSetup.ToSpec(SummonerConfig.Parse(Other, File).Services[0]);
        Assert.Equal("port=80 egress_port=65000 ", LoopbackNetworkPlan.PortKeys(with));
        Assert.Equal("port=5432 ", LoopbackNetworkPlan.PortKeys(without));
        var plan = new LoopbackNetworkPlan(System.Net.IPAddress.Parse("127.77.4.1"), 4);
        Assert.Equal([80, 65000], ((LoopbackNetwork)plan.Allocate(with, "g1")).Ports);
        Assert.Equal([5432], ((LoopbackNetwork)plan.Allocate(without, "g2")).Ports);
        // The door holds only the service's own ports: the broker's is never public.
        Assert.Equal([80], with.Ports);
    }

    [Fact]
    public void Egress_is_part_of_the_fingerprint_and_a_reload_names_it()
    {
        ServiceSpec a = EngineSetup.ToSpec(Load(Service("[\"db.summoner.test:5432\"]")));
        ServiceSpec b = EngineSetup.ToSpec(Load(Service("[\"db.summoner.test:5432\", \"127.0.0.1:9000\"]")));
        Assert.NotEqual(a.Fingerprint(), b.Fingerprint());
        Assert.Equal(["egress"], a.Differences(b));
    }

    [Fact]
    public void The_broker_allows_exact_entries_only_and_its_refusal_says_what_to_add()
    {
        ServiceSpec spec = EngineSetup.ToSpec(Load(Service("[\"db.summoner.test:5432\", \"127.0.0.1:9000\"]")));
        Assert.Null(EgressPolicy.Refusal(spec, "db.summoner.test", 5432));
        Assert.Null(EgressPolicy.Refusal(spec, "DB.summoner.test.", 5432));
        Assert.Null(EgressPolicy.Refusal(spec, "127.0.0.1", 9000));
        Assert.Equal("egress to db.summoner.test:80 is not in service api's egress list: add it to summoner.toml", EgressPolicy.Refusal(spec, "db.summoner.test", 80));
        Assert.NotNull(EgressPolicy.Refusal(spec, "127.0.0.2", 9000));
        Assert.NotNull(EgressPolicy.Refusal(spec, "summoner.test", 5432));
    }

    [Theory]
    [InlineData("[\"db.summoner.test\"]", 5, 11, "egress in [[service]] 'api': \"db.summoner.test\" is not \"host:port\" (a DNS name or IPv4 address, and a port 1-65535), e.g. \"api.example.test:443\"")]
    [InlineData("[\"db.summoner.test:0\"]", 5, 11, "egress in [[service]] 'api': \"db.summoner.test:0\" is not \"host:port\" (a DNS name or IPv4 address, and a port 1-65535), e.g. \"api.example.test:443\"")]
    [InlineData("[\"[::1]:80\"]", 5, 11, "egress in [[service]] 'api': \"[::1]:80\" is not an IPv4 address: guests connect out over IPv4 only")]
    [InlineData("[\"nope.summoner.test:80\"]", 5, 11, "egress in [[service]] 'api': nope.summoner.test is inside the zone summoner.test but no service has that name: name a service (e.g. \"api.summoner.test:80\") or a host outside the zone")]
    [InlineData("[\"db.summoner.test:80\"]", 5, 11, "egress in [[service]] 'api': service 'db' has no TCP port 80 (its ports: 5432)")]
    [InlineData("[\"127.0.0.1:9000\", \"127.0.0.1:9000\"]", 5, 29, "egress in [[service]] 'api' lists \"127.0.0.1:9000\" twice")]
    [InlineData("[9000]", 5, 11, "egress[0] in [[service]] 'api' must be a \"host:port\" string, not an integer")]
    [InlineData("\"127.0.0.1:9000\"", 5, 10, "egress in [[service]] 'api' must be an array of \"host:port\" strings, not a string")]
    public void Bad_entries_are_errors_at_the_entry(string egress, int line, int column, string message)
    {
        ConfigError e = SingleError(Service(egress));
        Assert.Equal((File, line, column, message), (e.File, e.Line, e.Column, e.Message));
    }

    [Fact]
    public void A_service_with_egress_gets_a_token_setting_stable_per_secret_and_service_and_none_without_egress()
    {
        byte[] secret = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        ServiceConfig api = Load(Service("[\"db.summoner.test:5432\"]"));
        ServiceSpec a = EngineSetup.ToSpec(api, egressSecret: secret);
        Assert.Equal(32, a.EgressToken.Length);
        Assert.Equal(a.EgressToken, EngineSetup.ToSpec(api, egressSecret: secret).EgressToken);
        Assert.Equal(a.Fingerprint(), EngineSetup.ToSpec(api, egressSecret: secret).Fingerprint());
        Assert.NotEqual(a.EgressToken, EngineSetup.ToSpec(api, egressSecret: [.. secret.Select(b => (byte)(b ^ 1))]).EgressToken);
        Assert.NotEqual(a.EgressToken, EngineSetup.ToSpec(api with { Name = "api2" }, egressSecret: secret).EgressToken);
        Assert.Equal("", EngineSetup.ToSpec(SummonerConfig.Parse(Other, File).Services[0], egressSecret: secret).EgressToken);
        Assert.Empty(EngineSetup.ToSpec(SummonerConfig.Parse(Other, File).Services[0], egressSecret: secret).Environment);
    }

    [Fact]
    public void Settings_named_egress_are_summoners_own()
    {
        ConfigError e = SingleError(Service("[\"db.summoner.test:5432\"]") + "[service.env]\negress_token = \"mine\"\n");
        Assert.Contains("is set by Summoner itself for egress = [...]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Egress_on_a_service_with_udp_ports_is_held_like_any_other_and_warns_of_nothing()
    {
        // UDP reaches a loopback guest through the door's tunnel, so its guest runs under restrict=on too.
        SummonerConfig config = SummonerConfig.Parse("[[service]]\nname = \"api\"\nimage = \"api\"\nports = [80, \"53/udp\"]\negress = [\"127.0.0.1:9000\"]\n", File);
        Assert.DoesNotContain(config.Warnings, w => w.Contains("restrict", StringComparison.Ordinal) || w.Contains("UDP", StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_with_udp_ports_cannot_also_use_the_tunnels_port()
    {
        ConfigError e = SingleError("[[service]]\nname = \"api\"\nimage = \"api\"\nports = [80, 65001, \"53/udp\"]\n");
        Assert.Equal((4, 9), (e.Line, e.Column));
        Assert.Contains("tunnel uses the guest's TCP port 65001", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_with_egress_cannot_also_use_the_brokers_port()
    {
        ConfigError e = SingleError("[[service]]\nname = \"api\"\nimage = \"api\"\nports = [80, 65000]\negress = [\"127.0.0.1:9000\"]\n");
        Assert.Equal((4, 9), (e.Line, e.Column));
        Assert.Contains("broker uses the guest's port 65000", e.Message, StringComparison.Ordinal);
    }
}
