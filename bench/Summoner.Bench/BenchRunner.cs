using System.Globalization;

namespace Summoner.Bench;

/// <summary>Runs the named scenarios in a fixed order (baselines first) and writes the report.</summary>
public static class BenchRunner
{
    public static readonly IReadOnlyList<string> Scenarios = ["floor", "cold", "first", "warm", "storm", "dns", "density", "door"];

    public static async Task<string> RunAsync(BenchContext ctx, IReadOnlyCollection<string> scenarios, string benchRoot, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(scenarios);
        foreach (string s in scenarios)
            if (!Scenarios.Contains(s)) throw new ArgumentException($"unknown scenario '{s}': choose from {string.Join(", ", Scenarios)}");
        var started = DateTime.UtcNow;
        foreach (string s in Scenarios.Where(scenarios.Contains))
        {
            ctx.Progress.WriteLine($"== {s}");
            Task run = s switch
            {
                "floor" => HostScenarios.FloorAsync(ctx, ct),
                "cold" => SummonScenarios.ColdAsync(ctx, ct),
                "first" => SummonScenarios.FirstAsync(ctx, ct),
                "warm" => SummonScenarios.WarmAsync(ctx, ct),
                "storm" => SummonScenarios.StormAsync(ctx, ct),
                "dns" => HostScenarios.DnsAsync(ctx, ct),
                "door" => DoorScenarios.DoorAsync(ctx, ct),
                _ => HostScenarios.DensityAsync(ctx, ct),
            };
            await run.ConfigureAwait(false);
        }
        string dir = Report.Directory(benchRoot, Scenarios.Where(scenarios.Contains), started);
        var context = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"run {started:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, accelerator {ctx.Accelerator}, {ctx.Samples} samples per series"),
            $"image {ctx.ImagePath} ({new FileInfo(ctx.ImagePath).Length} bytes)",
            "every ratio compares a statistic (median unless named) with the same statistic of a baseline measured in this same run",
        };
        string markdown = Report.Write(dir, ctx.Results, "summoner bench: " + string.Join(' ', scenarios), context);
        ctx.Progress.WriteLine();
        ctx.Progress.Write(markdown);
        ctx.Progress.WriteLine($"report: {dir}/report.md (samples.csv, latency.svg)");
        return dir;
    }
}
