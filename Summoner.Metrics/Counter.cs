namespace Summoner.Metrics;

/// <summary>A monotonically increasing count. Names end in _total (the format's convention, which promtool checks).</summary>
public sealed class Counter : MetricFamily<Counter.Series>
{
    internal Counter(string name, string help, IReadOnlyList<string> labelNames) : base(name, help, labelNames)
    {
        if (!name.EndsWith("_total", StringComparison.Ordinal))
            throw new ArgumentException($"counter '{name}' must end in _total", nameof(name));
    }

    public override MetricType Type => MetricType.Counter;

    public void Inc(double by = 1) => Unlabeled.Inc(by);

    public double Value => Unlabeled.Value;

    private protected override Series CreateSeries() => new();

    private protected override void RenderSeries(TextWriter writer, string labels, Series series) =>
        Sample.Write(writer, Name, labels, series.Value);

    public sealed class Series
    {
        private AtomicDouble _value;

        public double Value => _value.Value;

        public void Inc(double by = 1)
        {
            if (!(by >= 0)) throw new ArgumentOutOfRangeException(nameof(by), by, "a counter only goes up");
            _value.Add(by);
        }
    }
}
