using System.Diagnostics;
using Summoner.Testing;
using Xunit;

namespace Summoner.Serve.Tests;

/// <summary>A tiny `summoner bench` run, so the benchmark cannot rot between real runs.</summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class BenchCommandTests
{
    // The bench's own build output (./summoner bench runs it from there), not a copy beside the tests.
    private static string BenchDll => Path.Combine(RepoPaths.Root, "bench", "Summoner.Bench", "bin", "Release", "net10.0", "summoner-bench.dll");

    [Fact]
    public async Task A_tiny_bench_of_every_latency_scenario_writes_its_report()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-bench-test-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { BenchDll, "--summoner", ServeDaemon.SummonerDll, "floor", "cold", "first", "warm", "storm", "-n", "2", "--storm", "5", "--image", RepoPaths.Image("hello") })
                psi.ArgumentList.Add(a);
            using Process p = Process.Start(psi)!;
            Task<string> err = p.StandardError.ReadToEndAsync();
            string output = await p.StandardOutput.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await p.WaitForExitAsync(cts.Token);
            Assert.True(p.ExitCode == 0, output + await err);

            string results = Assert.Single(Directory.GetDirectories(Path.Combine(dir, "results")));
            string report = await File.ReadAllTextAsync(Path.Combine(results, "report.md"));
            foreach (string row in new[]
            {
                "| floor: launch to readiness line | ms | 2 |", "| floor: launch to accepted line | ms | 2 |",
                "| cold: query to answer | ms | 2 |",
                "| first: first summon after serve starts: query to answer | ms | 2 |", "| first: second summon after serve starts: query to answer | ms | 2 |",
                "| qemu stop/cont of a booted guest: cont to accepted line | ms | 2 |", "| qemu stop/cont of a booted guest: cont to first HTTP byte | ms | 2 |",
                "| warm: warm pool (booted, suspended): query to answer | ms | 2 |",
                "| qemu -S (created stopped): cont to readiness line | ms | 2 |", "| qemu -S (created stopped): cont to first HTTP byte | ms | 2 |",
                "| prestart: created paused before boot: query to answer | ms | 2 |",
                "| storm: 5 concurrent queries, each to answer | ms | 5 |", "| storm: boots per round | boots | 1 |",
            })
            {
                Assert.Contains(row, report, StringComparison.Ordinal);
            }
            // Each summon series carries its ratio to the like-for-like plain-QEMU series of the same run.
            foreach (string ratio in new[]
            {
                "x floor: launch to readiness line; p95: ", "x first: second summon after serve starts: query to answer |", "x qemu stop/cont of a booted guest: cont to accepted line; ",
                "x qemu stop/cont of a booted guest: cont to first HTTP byte |", "x qemu -S (created stopped): cont to accepted line; ",
                "x qemu -S (created stopped): cont to first HTTP byte |", "p99: n/a (n = 5 < 100)",
            })
            {
                Assert.Contains(ratio, report, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("missing)", report, StringComparison.Ordinal);
            // With 2 to 5 samples no series may claim a 99th percentile.
            foreach (string line in report.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| series", StringComparison.Ordinal)))
                Assert.Equal("-", line.Split('|')[7].Trim());
            Assert.Contains("boots = 1 for 1 round(s)", report, StringComparison.Ordinal);
            string csv = await File.ReadAllTextAsync(Path.Combine(results, "samples.csv"));
            Assert.StartsWith("scenario,metric,sample,ms\n", csv, StringComparison.Ordinal);
            Assert.True(csv.Split('\n').Length > 15, csv);
            string svg = await File.ReadAllTextAsync(Path.Combine(results, "latency.svg"));
            Assert.Contains(">qemu stop/cont of a booted guest: cont to first HTTP byte</text>", svg, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_scenario_is_refused_with_the_list_of_scenarios()
    {
        var r = await ServeDaemon.RunAsync("dotnet", BenchDll, "--summoner", ServeDaemon.SummonerDll, "nosuch", "--image", RepoPaths.Image("hello"));
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("unknown scenario 'nosuch': choose from floor, cold, first, warm, storm, dns, density, door", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_accelerator_is_refused_before_anything_starts()
    {
        var r = await ServeDaemon.RunAsync("dotnet", BenchDll, "--summoner", ServeDaemon.SummonerDll, "floor", "--accelerator", "hvf", "--image", RepoPaths.Image("hello"));
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("unknown accelerator 'hvf': use tcg or kvm", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_qemu_cannot_boot_ends_the_bench_with_qemus_own_message()
    {
        string bad = Path.Combine(Directory.CreateTempSubdirectory("summoner-bench-bad-").FullName, "not-an-image.elf");
        await File.WriteAllTextAsync(bad, "this is not an ELF image");
        try
        {
            var r = await ServeDaemon.RunAsync("dotnet", BenchDll, "--summoner", ServeDaemon.SummonerDll, "floor", "-n", "1", "--image", bad);
            Assert.NotEqual(0, r.Exit);
            Assert.StartsWith("summoner bench: qemu-system-x86_64 exited with status 1:", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(bad)!, recursive: true);
        }
    }
}
