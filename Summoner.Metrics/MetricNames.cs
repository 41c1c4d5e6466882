namespace Summoner.Metrics;

/// <summary>Name rules of the exposition format, checked when a metric is declared rather than when it is scraped.</summary>
internal static class MetricNames
{
    public static void CheckMetricName(string name)
    {
        bool ok = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':')
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');
        if (!ok) throw new ArgumentException($"'{name}' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", nameof(name));
    }

    public static void CheckLabelName(string label, bool histogram)
    {
        bool ok = label.Length > 0 && (char.IsAsciiLetter(label[0]) || label[0] == '_')
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !label.StartsWith("__", StringComparison.Ordinal);
        if (!ok) throw new ArgumentException($"'{label}' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", nameof(label));
        if (histogram && label == "le") throw new ArgumentException("a histogram cannot have a label named 'le': the format uses it for bucket bounds", nameof(label));
    }
}
