using System.Diagnostics;
using System.Net;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>The per-client summon budget and the cap on queries waiting for summons.</summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class GuardTests(ITestOutputHelper output)
{
    private const string Limits = """

        [limits]
        waiting_queries = 2
        client_summons = 1
        client_summon_refill = "1h"
        client_budget_loopback = true
        """;

    [Fact]
    public async Task Queries_over_the_waiting_cap_and_a_client_over_its_budget_get_servfail_at_once_while_another_client_summons()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(networkToml: Limits);

        // Ten queries for a cold service at once: the first starts the boot (127.0.0.1's one
        // summon), one more may wait with it, the other eight are refused at once.
        var clock = Stopwatch.StartNew();
        var queries = Enumerable.Range(0, 10).Select(async _ =>
        {
            var r = await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(30));
            return (r.Rcode, r.Address, clock.Elapsed);
        }).ToList();
        var results = await Task.WhenAll(queries);
        foreach (var r in results) output.WriteLine($"rcode {r.Rcode} {r.Address} after {r.Elapsed.TotalMilliseconds:F0} ms");
        var refused = results.Where(r => r.Rcode == 2).ToList();
        Assert.Equal(8, refused.Count);
        Assert.Equal(2, results.Count(r => r.Rcode == 0 && r.Address is not null));
        TimeSpan booted = results.Where(r => r.Rcode == 0).Min(r => r.Elapsed);
        Assert.All(refused, r => Assert.True(r.Elapsed < booted, $"a refusal came at {r.Elapsed}, after the boot ({booted})"));

        // 127.0.0.0/24 has spent its budget: a query that would boot echo is refused, without a boot...
        var overBudget = await UdpQuery.AAsync(d.DnsPort, "echo.summoner.test", TimeSpan.FromSeconds(30));
        Assert.Equal(2, overBudget.Rcode);
        Assert.Single(d.QemuPids());
        // ...while the ready service still answers it (no boot, no cost),
        Assert.Equal(0, (await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(5))).Rcode);
        // and a client from another /24 summons echo.
        var other = await d.DigAsync("echo.summoner.test", "-b", "127.0.7.1", "+short");
        Assert.True(IPAddress.TryParse(other.Stdout.Trim(), out _), $"dig from 127.0.7.1: {other.Stdout}{other.Stderr}\n{d.Output}");
        Assert.Equal(2, d.QemuPids().Count);

        string metrics = await new HttpClient().GetStringAsync(new Uri($"http://127.0.0.1:{d.MetricsPort}/metrics"));
        Assert.Contains("summoner_summon_refusals_total{reason=\"waiting_queries\"} 8", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summon_refusals_total{reason=\"client_budget\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_summon_past_the_answer_deadline_gets_servfail_from_the_dns_server_counted_as_deadline()
    {
        // nettest never prints the ready line for port 9 when its command line moves it to 10: the
        // boot outlives the 2 s answer deadline (and is ended by its own 30 s boot deadline later).
        string slow = $"""

            [[service]]
            name = "slow"
            image = "{RepoPaths.Image("nettest")}"
            ports = [9]
            memory = "32MiB"
            boot_deadline = "30s"
            command_line = "port=10"
            """;
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: slow, answerDeadline: "2s");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var answer = await UdpQuery.AAsync(d.DnsPort, "slow.summoner.test", TimeSpan.FromSeconds(20));
        Assert.Equal(2, answer.Rcode); // SERVFAIL
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
        string metrics = await d.ControlGetAsync("/metrics");
        Assert.Contains("summoner_dns_service_servfail_total{reason=\"deadline\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"booting\"", await d.ControlGetAsync("/api/services"), StringComparison.Ordinal); // the boot goes on
    }
}
