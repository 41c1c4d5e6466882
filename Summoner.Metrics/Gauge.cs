namespace Summoner.Metrics;

/// <summary>A value that goes up and down (running guests, memory in use).</summary>
public sealed class Gauge : MetricFamily<Gauge.Series>
{
    internal Gauge(string name, string help, IReadOnlyList<string> labelNames) : base(name, help, labelNames) { }

    public override MetricType Type => MetricType.Gauge;

    public void Set(double value) => Unlabeled.Set(value);

    public void Inc(double by = 1) => Unlabeled.Inc(by);

    public void Dec(double by = 1) => Unlabeled.Dec(by);

    public double Value => Unlabeled.Value;

    private protected override Series CreateSeries() => new();

    private protected override void RenderSeries(TextWriter writer, string labels, Series series) =>
        Sample.Write(writer, Name, labels, series.Value);

    public sealed class Series
    {
        private AtomicDouble _value;

        public double Value => _value.Value;

        public void Set(double value) => _value.Set(value);

        public void Inc(double by = 1) => _value.Add(by);

        public void Dec(double by = 1) => _value.Add(-by);
    }
}
