namespace Summoner.Bench;

/// <summary>
/// One measured quantity of a scenario (e.g. "cold: query to answer"), its samples, and the
/// series it is compared against (baselines measured in the same run).
/// </summary>
public sealed class Series
{
    public Series(string scenario, string metric, string? baselineKey = null)
    {
        Scenario = scenario;
        Metric = metric;
        if (baselineKey is not null) CompareTo(baselineKey);
    }

    public string Scenario { get; }
    public string Metric { get; }
    public string Key => Scenario + ": " + Metric;

    /// <summary>Ratios the report prints for this series, each against a series of the same run.</summary>
    public List<Comparison> Comparisons { get; } = [];

    /// <summary>Unit of the samples: ms for latencies, q/s for rates, MiB for memory.</summary>
    public string Unit { get; init; } = "ms";
    public List<double> Samples { get; } = [];
    public Dictionary<string, string> Notes { get; } = new(StringComparer.Ordinal);
    public Stats Stats => Stats.Of(Samples);

    /// <summary>Adds a ratio: this series' <paramref name="statistic"/> over the same statistic of <paramref name="baselineKey"/>.</summary>
    public Series CompareTo(string baselineKey, Statistic statistic = Statistic.Median)
    {
        Comparisons.Add(new Comparison(baselineKey, statistic));
        return this;
    }
}

public enum Statistic
{
    Median,
    P95,
    P99,
}

public sealed record Comparison(string BaselineKey, Statistic Statistic);
