using System.Diagnostics;
using Summoner.Testing;
using Xunit;

namespace Summoner.Serve.Tests;

/// <summary>A tiny `summoner bench` run, so the benchmark cannot rot between real runs.</summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class BenchCommandTests
{
    [Fact]
    public async Task A_tiny_bench_of_every_latency_scenario_writes_its_report()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-bench-test-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { ServeDaemon.SummonerDll, "bench", "floor", "cold", "warm", "storm", "-n", "2", "--storm", "5", "--image", RepoPaths.Image("hello") })
                psi.ArgumentList.Add(a);
            using Process p = Process.Start(psi)!;
            Task<string> err = p.StandardError.ReadToEndAsync();
            string output = await p.StandardOutput.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await p.WaitForExitAsync(cts.Token);
            Assert.True(p.ExitCode == 0, output + await err);

            string results = Assert.Single(Directory.GetDirectories(Path.Combine(dir, "results")));
            string report = await File.ReadAllTextAsync(Path.Combine(results, "report.md"));
            foreach (string row in new[] { "| floor: launch to readiness line | ms | 2 |", "| cold: query to answer | ms | 2 |", "| warm: warm pool (booted, suspended): query to answer | ms | 2 |", "| storm: 5 concurrent queries, each to answer | ms | 5 |" })
                Assert.Contains(row, report, StringComparison.Ordinal);
            Assert.Contains("x floor: launch to readiness line", report, StringComparison.Ordinal);
            Assert.Contains("boots = 1 for 1 round(s)", report, StringComparison.Ordinal);
            string csv = await File.ReadAllTextAsync(Path.Combine(results, "samples.csv"));
            Assert.StartsWith("scenario,metric,sample,ms\n", csv, StringComparison.Ordinal);
            Assert.True(csv.Split('\n').Length > 15, csv);
            Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(results, "latency.svg")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_scenario_is_refused_with_the_list_of_scenarios()
    {
        var r = await ServeDaemon.RunAsync("dotnet", ServeDaemon.SummonerDll, "bench", "nosuch", "--image", RepoPaths.Image("hello"));
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("unknown scenario 'nosuch': choose from floor, cold, warm, storm, dns, density", r.Stderr, StringComparison.Ordinal);
    }
}
