using System.Text;

namespace Summoner.Metrics;

/// <summary>
/// The set of metrics one process exposes, rendered in the Prometheus text format 0.0.4 in the
/// order they were declared. Declaring is done once at start-up; updating and rendering are
/// thread-safe and may run concurrently.
/// </summary>
public sealed class MetricRegistry
{
    private readonly List<IMetricFamily> _families = [];
    private readonly Lock _lock = new();

    public Counter Counter(string name, string help, params string[] labelNames) => Add(new Counter(name, help, labelNames));

    public Gauge Gauge(string name, string help, params string[] labelNames) => Add(new Gauge(name, help, labelNames));

    public Histogram Histogram(string name, string help, IReadOnlyList<double> buckets, params string[] labelNames) =>
        Add(new Histogram(name, help, buckets, labelNames));

    public IReadOnlyList<IMetricFamily> Families
    {
        get
        {
            lock (_lock) return [.. _families];
        }
    }

    private T Add<T>(T family) where T : IMetricFamily
    {
        lock (_lock)
        {
            foreach (IMetricFamily existing in _families)
            {
                if (Collides(existing.Name, family.Name))
                    throw new ArgumentException($"metric {family.Name} collides with the already declared {existing.Name}", nameof(family));
            }
            _families.Add(family);
        }
        return family;
    }

    // A histogram named x also writes x_bucket, x_sum and x_count.
    private static bool Collides(string a, string b) =>
        a == b || Expand(a).Intersect(Expand(b), StringComparer.Ordinal).Any();

    private static IEnumerable<string> Expand(string name) => [name, name + "_bucket", name + "_sum", name + "_count"];

    public void Render(TextWriter writer)
    {
        foreach (IMetricFamily family in Families) family.Render(writer);
    }

    public string Render()
    {
        var writer = new StringWriter(new StringBuilder(4096), System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        Render(writer);
        return writer.ToString();
    }
}
