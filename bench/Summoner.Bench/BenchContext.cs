using System.Globalization;

namespace Summoner.Bench;

/// <summary>Everything scenarios share in one run: what to boot, how, how often, where to report.</summary>
public sealed class BenchContext
{
    public required string SummonerDll { get; init; }
    public required string ImagePath { get; init; }
    public required string Accelerator { get; init; }
    public int Samples { get; init; } = 10;
    public int StormSize { get; init; } = 50;
    public long DensityBudgetMiB { get; init; } = 1024;

    /// <summary>Longest a plain-QEMU guest may take to print a console line the bench waits for.</summary>
    public TimeSpan GuestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public required TextWriter Progress { get; init; }
    public List<Series> Results { get; } = [];

    public Series Add(string scenario, string metric, string? baseline = null, string unit = "ms")
    {
        var s = new Series(scenario, metric, baseline) { Unit = unit };
        Results.Add(s);
        return s;
    }

    public void Report(string scenario, int i, int n, string what) =>
        Progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{scenario} {i}/{n}] {what}"));

    public string ServiceToml(string name, int warmPool = 0, string poolMode = "booted", string memory = "64MiB") => $"""
        [[service]]
        name = "{name}"
        image = "{ImagePath}"
        ports = [80]
        memory = "{memory}"
        warm_pool = {warmPool}
        warm_pool_mode = "{poolMode}"
        """;
}
