using System.Globalization;

namespace Summoner.Bench;

/// <summary>Order statistics of one series of samples. P99 is NaN below <see cref="MinSamplesForP99"/> samples.</summary>
public sealed record Stats(int Count, double Min, double Median, double P95, double P99, double Max, double Mean)
{
    /// <summary>Below this many samples a 99th percentile is mostly the maximum, so none is given.</summary>
    public const int MinSamplesForP99 = 100;

    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double[] s = [.. samples.Order()];
        double p99 = s.Length >= MinSamplesForP99 ? Percentile(s, 99) : double.NaN;
        return new Stats(s.Length, s[0], Percentile(s, 50), Percentile(s, 95), p99, s[^1], s.Average());
    }

    public double Value(Statistic statistic) => statistic switch
    {
        Statistic.P95 => P95,
        Statistic.P99 => P99,
        _ => Median,
    };

    // Linear interpolation between closest ranks (the same as numpy's default).
    public static double Percentile(double[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 1) return sorted[0];
        double rank = p / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static string Ms(double v) => double.IsNaN(v) ? "-" : v.ToString(v < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
}
