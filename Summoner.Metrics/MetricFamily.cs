using System.Collections.Concurrent;
using System.Text;

namespace Summoner.Metrics;

public enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// A named metric and its series, one per combination of label values. Series are created on
/// first use and kept for the life of the registry; callers on a hot path keep the series object
/// and update it directly, which costs one atomic operation.
/// </summary>
public abstract class MetricFamily<TSeries> : IMetricFamily where TSeries : class
{
    private readonly ConcurrentDictionary<string, TSeries> _byKey = new(StringComparer.Ordinal);
    private readonly List<(string[] Values, TSeries Series)> _ordered = [];
    private readonly Lock _orderLock = new();
    private TSeries? _unlabeled;

    private protected MetricFamily(string name, string help, IReadOnlyList<string> labelNames)
    {
        MetricNames.CheckMetricName(name);
        foreach (string label in labelNames) MetricNames.CheckLabelName(label, this is Histogram);
        if (labelNames.Distinct(StringComparer.Ordinal).Count() != labelNames.Count)
            throw new ArgumentException($"metric {name} lists a label twice: {string.Join(", ", labelNames)}", nameof(labelNames));
        Name = name;
        Help = help;
        LabelNames = labelNames;
    }

    public string Name { get; }

    public string Help { get; }

    public IReadOnlyList<string> LabelNames { get; }

    public abstract MetricType Type { get; }

    /// <summary>The series for these label values (in the order of <see cref="LabelNames"/>), created on first use.</summary>
    public TSeries WithLabels(params string[] labelValues)
    {
        if (labelValues.Length != LabelNames.Count)
            throw new ArgumentException($"metric {Name} takes {LabelNames.Count} label value(s) ({string.Join(", ", LabelNames)}), got {labelValues.Length}", nameof(labelValues));
        string key = string.Join('\u0000', labelValues);
        if (_byKey.TryGetValue(key, out TSeries? existing)) return existing;
        lock (_orderLock)
        {
            if (_byKey.TryGetValue(key, out existing)) return existing;
            TSeries series = CreateSeries();
            _ordered.Add(((string[])labelValues.Clone(), series));
            _byKey[key] = series;
            return series;
        }
    }

    /// <summary>The only series of a family without labels.</summary>
    private protected TSeries Unlabeled => _unlabeled ??= LabelNames.Count == 0
        ? WithLabels()
        : throw new InvalidOperationException($"metric {Name} has labels ({string.Join(", ", LabelNames)}): use WithLabels(...)");

    private protected abstract TSeries CreateSeries();

    private protected abstract void RenderSeries(TextWriter writer, string labels, TSeries series);

    public void Render(TextWriter writer)
    {
        writer.Write("# HELP ");
        writer.Write(Name);
        writer.Write(' ');
        writer.Write(Exposition.EscapeHelp(Help));
        writer.Write('\n');
        writer.Write("# TYPE ");
        writer.Write(Name);
        writer.Write(' ');
        writer.Write(Type switch { MetricType.Counter => "counter", MetricType.Gauge => "gauge", _ => "histogram" });
        writer.Write('\n');
        // A metric without labels has exactly one series, shown (as 0) even before its first update.
        if (LabelNames.Count == 0) _ = Unlabeled;
        (string[] Values, TSeries Series)[] snapshot;
        lock (_orderLock) snapshot = [.. _ordered];
        foreach (var (values, series) in snapshot) RenderSeries(writer, Labels(values), series);
    }

    /// <summary>Label pairs without braces: a="x",b="y".</summary>
    private string Labels(string[] values)
    {
        if (values.Length == 0) return "";
        var sb = new StringBuilder();
        for (int k = 0; k < values.Length; k++)
        {
            if (k > 0) sb.Append(',');
            sb.Append(LabelNames[k]).Append("=\"").Append(Exposition.EscapeLabelValue(values[k])).Append('"');
        }
        return sb.ToString();
    }
}

/// <summary>What the registry needs of every family, whatever its series type.</summary>
public interface IMetricFamily
{
    string Name { get; }

    MetricType Type { get; }

    void Render(TextWriter writer);
}
