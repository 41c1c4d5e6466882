namespace Summoner.Bench;

/// <summary>
/// One measured quantity of a scenario (e.g. "cold: query to answer"), its samples in ms, and
/// the series it is compared against (the baseline measured in the same run).
/// </summary>
public sealed class Series
{
    public Series(string scenario, string metric, string? baselineKey = null)
    {
        Scenario = scenario;
        Metric = metric;
        BaselineKey = baselineKey;
    }

    public string Scenario { get; }
    public string Metric { get; }
    public string Key => Scenario + ": " + Metric;
    public string? BaselineKey { get; set; }

    /// <summary>Unit of the samples: ms for latencies, q/s for rates, MiB for memory.</summary>
    public string Unit { get; init; } = "ms";
    public List<double> Samples { get; } = [];
    public Dictionary<string, string> Notes { get; } = new(StringComparer.Ordinal);
    public Stats Stats => Stats.Of(Samples);
}
