using System.Globalization;

namespace Summoner.Bench;

/// <summary>Order statistics of one series of samples (milliseconds).</summary>
public sealed record Stats(int Count, double Min, double Median, double P95, double P99, double Max, double Mean)
{
    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double[] s = [.. samples.Order()];
        return new Stats(s.Length, s[0], Percentile(s, 50), Percentile(s, 95), Percentile(s, 99), s[^1], s.Average());
    }

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
