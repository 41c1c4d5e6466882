using Summoner.Config;

namespace Summoner.Tests.Config;

/// <summary>[service.env] and ready_ports: typed, bounded, located errors that never quote a value.</summary>
[Trait("Category", "unit")]
public sealed class ServiceEnvironmentTests
{
    private const string File = "/srv/sum/test.toml";

    private const string Service = "[[service]]\nname = \"web\"\nimage = \"web\"\nports = [80, 443]\n";

    private static ConfigError SingleError(string text)
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(text, File));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void The_env_table_is_read_in_order_and_encoded_as_the_guest_settings_file()
    {
        var config = SummonerConfig.Parse(Service + "ready_ports = [80]\n[service.env]\nGREETING = \"hi there\"\nLIMIT = \"42\"\n", File);
        ServiceConfig web = Assert.Single(config.Services);
        Assert.Equal([new("GREETING", "hi there"), new KeyValuePair<string, string>("LIMIT", "42")], web.Environment);
        Assert.Equal([80], web.ReadyPorts);
        Assert.Equal("GREETING=hi there\nLIMIT=42"u8.ToArray(), ServiceEnvironment.Encode(web.Environment));
        Assert.Equal([80, 443], Assert.Single(SummonerConfig.Parse(Service, File).Services).ReadyPorts);
    }

    [Fact]
    public void A_non_string_value_is_an_error_at_its_position_that_says_to_quote_it()
    {
        ConfigError e = SingleError(Service + "[service.env]\nLIMIT = 42\n");
        Assert.Equal((6, 9), (e.Line, e.Column));
        Assert.Contains("[service.env] LIMIT in [[service]] 'web' must be a string, not an integer: quote it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_keys_control_characters_and_oversized_tables_are_refused_without_quoting_the_value()
    {
        Assert.Contains("is not a setting name", SingleError(Service + "[service.env]\n\"9LIVES\" = \"x\"\n").Message, StringComparison.Ordinal);
        Assert.Contains("is set by Summoner itself", SingleError(Service + "[service.env]\nport = \"81\"\n").Message, StringComparison.Ordinal);
        ConfigError control = SingleError(Service + "[service.env]\nTOKEN = \"abc\\ndef-secret\"\n");
        Assert.Contains("must be one line", control.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", control.Message, StringComparison.Ordinal);
        ConfigError big = SingleError(Service + "[service.env]\nBLOB = \"" + new string('x', 17 * 1024) + "\"\n");
        Assert.Contains("more than the 16384 a guest accepts", big.Message, StringComparison.Ordinal);
        Assert.Equal(5, big.Line);
    }

    [Fact]
    public void Ready_ports_must_be_among_the_ports()
    {
        ConfigError e = SingleError(Service + "ready_ports = [8080]\n");
        Assert.Contains("ready_ports in [[service]] 'web' lists 8080, which is not in its ports [80, 443]", e.Message, StringComparison.Ordinal);
    }
}
