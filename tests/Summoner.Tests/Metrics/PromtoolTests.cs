using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Summoner.Metrics;

namespace Summoner.Tests.Metrics;

/// <summary>Prometheus' own checker accepts what Summoner exposes.</summary>
[Trait("Category", "unit")]
public sealed class PromtoolTests
{
    private static SummonerMetrics PopulatedMetrics()
    {
        var m = new SummonerMetrics();
        m.Summons.WithLabels("hello", "ready").Inc(3);
        m.Summons.WithLabels("echo", "failed").Inc();
        foreach (string phase in new[] { "create", "boot", "ready", "total" })
        {
            m.SummonPhaseSeconds.WithLabels("hello", phase, "cold").Observe(0.0123);
            m.SummonPhaseSeconds.WithLabels("hello", phase, "warm").Observe(1.5);
        }
        m.DnsQueries.WithLabels("NOERROR").Inc(200);
        m.DnsQueries.WithLabels("SERVFAIL").Inc();
        m.RunningGuests.Set(2);
        m.GuestMemoryBytes.Set(96L << 20);
        m.Reaps.WithLabels("hello", "idle").Inc();
        m.Crashes.WithLabels("echo").Inc();
        m.CapRefusals.WithLabels("running_guests").Inc();
        m.CapWaits.WithLabels("concurrent_boots").Inc();
        m.WarmPoolGuests.WithLabels("hello").Set(1);
        // Label values promtool must see escaped correctly.
        m.Summons.WithLabels("we\"ird\\na\nme ☃", "ready").Inc();
        return m;
    }

    [Fact]
    public async Task Promtool_accepts_the_summoner_metrics()
    {
        await Promtool.AssertAcceptsAsync(PopulatedMetrics().Registry.Render());
    }

    [Fact]
    public async Task Promtool_accepts_the_metrics_before_anything_happened()
    {
        await Promtool.AssertAcceptsAsync(new SummonerMetrics().Registry.Render());
    }

    [Fact]
    public async Task Promtool_rejects_broken_exposition_so_the_check_can_fail()
    {
        var (exitCode, output) = await Promtool.CheckMetricsAsync("# TYPE a counter\na{b=\"x} 1\n");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("parsing error", output, StringComparison.Ordinal);
        (exitCode, output) = await Promtool.CheckMetricsAsync("# HELP a x\n# TYPE a counter\na 1\n");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("_total", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_served_over_Kestrel_on_loopback_pass_promtool()
    {
        SummonerMetrics metrics = PopulatedMetrics();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        await using WebApplication app = builder.Build();
        app.MapMetrics(metrics.Registry);
        await app.StartAsync();
        try
        {
            string address = app.Urls.Single();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using HttpResponseMessage response = await http.GetAsync(new Uri(address + "/metrics"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            string body = await response.Content.ReadAsStringAsync();
            Assert.Contains("summoner_summons_total{service=\"hello\",result=\"ready\"} 3\n", body, StringComparison.Ordinal);
            await Promtool.AssertAcceptsAsync(body);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
