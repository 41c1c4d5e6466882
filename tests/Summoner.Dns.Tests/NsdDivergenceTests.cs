using System.Text.Json;
using Summoner.Dns.Tests.Support;

namespace Summoner.Dns.Tests;

/// <summary>
/// Where ISC's genreport and side-by-side probes once found Summoner answering differently from NSD: TSIG
/// (RFC 8945), IXFR with the client's SOA (RFC 1995), MAILA/MAILB, and flags of NOTIMP. Checked with real
/// clients: dnspython and dig.
/// </summary>
[Trait("Category", "unit")]
[Trait("Category", "root")]
public sealed class NsdDivergenceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private async Task<Dictionary<string, Dictionary<string, JsonElement>>> ProbeAsync()
    {
        string script = Path.Combine(AppContext.BaseDirectory, "divergences_check.py");
        string output = await ExternalTool.RunAsync("python3", [script, fixture.Port.ToString()], timeoutSeconds: 120);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line)!)
            .ToDictionary(p => p["probe"].GetString()!);
    }

    private static string Text(Dictionary<string, JsonElement> probe, string key) =>
        probe.TryGetValue(key, out var value) ? value.ToString() : $"(no {key}: {JsonSerializer.Serialize(probe)})";

    [Fact]
    public async Task Dnspython_sees_the_four_divergences_answered_as_nsd_does()
    {
        var probes = await ProbeAsync();

        // dnspython raises PeerBadKey exactly when the answer is NOTAUTH with a TSIG whose error is BADKEY.
        Assert.Equal("BADKEY", Text(probes["tsig"], "tsig_error"));
        Assert.Equal("PeerBadKey", Text(probes["tsig"], "raised"));

        Assert.Equal("REFUSED", Text(probes["ixfr"], "rcode"));

        foreach (var mail in new[] { "maila", "mailb" })
        {
            Assert.Equal("NOERROR", Text(probes[mail], "rcode"));
            Assert.Equal("0", Text(probes[mail], "answer"));
            Assert.Equal("[\"SOA\"]", Text(probes[mail], "authority"));
        }

        Assert.Equal("NOTIMP", Text(probes["notify"], "rcode"));
        Assert.DoesNotContain("RD", Text(probes["notify"], "flags"), StringComparison.Ordinal);
        Assert.DoesNotContain("CD", Text(probes["notify"], "flags"), StringComparison.Ordinal);
        // A QUERY still gets RD and CD back.
        Assert.Contains("RD", Text(probes["query"], "flags"), StringComparison.Ordinal);
        Assert.Contains("CD", Text(probes["query"], "flags"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dig_with_an_unknown_tsig_key_gets_notauth_and_badkey()
    {
        string output = await ExternalTool.RunAsync("dig",
            ["@127.0.0.1", "-p", fixture.Port.ToString(), "+time=10", "+tries=1", "-y", "hmac-sha256:unknown-key:c2VjcmV0c2VjcmV0c2VjcmV0", "www.summoner.test", "A"]);
        Assert.Contains("status: NOTAUTH", output, StringComparison.Ordinal);
        Assert.Contains("BADKEY", output, StringComparison.Ordinal);
    }
}
