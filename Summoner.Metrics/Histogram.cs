namespace Summoner.Metrics;

/// <summary>
/// Observations counted into cumulative buckets (rendered as _bucket{le=...} up to +Inf, then
/// _sum and _count). Observing is lock-free: one bucket increment and one atomic add.
/// </summary>
public sealed class Histogram : MetricFamily<Histogram.Series>
{
    /// <summary>Summon phases on these machines run from milliseconds (warm resume) to seconds (TCG boot).</summary>
    public static readonly IReadOnlyList<double> LatencySecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly double[] _bounds;
    private readonly string[] _boundLabels;

    internal Histogram(string name, string help, IReadOnlyList<double> buckets, IReadOnlyList<string> labelNames)
        : base(name, help, labelNames)
    {
        if (buckets.Count == 0) throw new ArgumentException($"histogram {name} needs at least one bucket bound", nameof(buckets));
        for (int k = 0; k < buckets.Count; k++)
        {
            if (!double.IsFinite(buckets[k]) || (k > 0 && buckets[k] <= buckets[k - 1]))
                throw new ArgumentException($"histogram {name}: bucket bounds must be finite and strictly increasing (+Inf is added)", nameof(buckets));
        }
        _bounds = [.. buckets];
        _boundLabels = [.. _bounds.Select(Exposition.FormatValue), "+Inf"];
    }

    public override MetricType Type => MetricType.Histogram;

    public IReadOnlyList<double> Buckets => _bounds;

    public void Observe(double value) => Unlabeled.Observe(value);

    private protected override Series CreateSeries() => new(_bounds);

    private protected override void RenderSeries(TextWriter writer, string labels, Series series)
    {
        long[] counts = series.SnapshotCounts();
        double sum = series.Sum;
        string prefix = labels.Length == 0 ? "" : labels + ",";
        long cumulative = 0;
        for (int k = 0; k < counts.Length; k++)
        {
            cumulative += counts[k];
            Sample.Write(writer, Name + "_bucket", prefix + "le=\"" + _boundLabels[k] + "\"", cumulative);
        }
        Sample.Write(writer, Name + "_sum", labels, sum);
        // _count is the +Inf bucket by definition; taking it from the same snapshot keeps them equal under concurrent observes.
        Sample.Write(writer, Name + "_count", labels, cumulative);
    }

    public sealed class Series
    {
        private readonly double[] _bounds;
        private readonly long[] _counts;
        private AtomicDouble _sum;

        internal Series(double[] bounds)
        {
            _bounds = bounds;
            _counts = new long[bounds.Length + 1];
        }

        public double Sum => _sum.Value;

        public long Count => SnapshotCounts().Sum();

        public void Observe(double value)
        {
            if (double.IsNaN(value)) throw new ArgumentOutOfRangeException(nameof(value), "cannot observe NaN");
            int index = Array.BinarySearch(_bounds, value);
            // Bucket k holds values <= bound k; an exact match belongs to its own bucket.
            if (index < 0) index = ~index;
            Interlocked.Increment(ref _counts[index]);
            _sum.Add(value);
        }

        public void Observe(TimeSpan elapsed) => Observe(elapsed.TotalSeconds);

        internal long[] SnapshotCounts()
        {
            var copy = new long[_counts.Length];
            for (int k = 0; k < copy.Length; k++) copy[k] = Volatile.Read(ref _counts[k]);
            return copy;
        }
    }
}
