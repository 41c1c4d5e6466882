using System.Globalization;
using System.Text;

namespace Summoner.Bench;

/// <summary>
/// Writes a run's results under bench/results/&lt;date&gt;-&lt;scenarios&gt;/: report.md (a table with each
/// figure's ratio to its baseline), samples.csv (every sample) and latency.svg (distribution per
/// series as a strip plot with median marks).
/// </summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Directory(string benchRoot, IEnumerable<string> scenarios, DateTime now) =>
        Path.Combine(benchRoot, "results", now.ToString("yyyyMMdd-HHmmss", Inv) + "-" + string.Join('-', scenarios));

    public static string Markdown(IReadOnlyList<Series> series, string title, IEnumerable<string> context)
    {
        var sb = new StringBuilder();
        sb.Append("# ").AppendLine(title).AppendLine();
        foreach (string line in context) sb.Append("- ").AppendLine(line);
        sb.AppendLine();
        sb.AppendLine("| series | unit | n | min | median | p95 | p99 | max | vs baseline (same run) |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        var byKey = series.ToDictionary(s => s.Key, StringComparer.Ordinal);
        var baselines = series.SelectMany(s => s.Comparisons).Select(c => c.BaselineKey).ToHashSet(StringComparer.Ordinal);
        foreach (Series s in series)
        {
            Stats st = s.Stats;
            string ratio = s.Comparisons.Count == 0 ? (baselines.Contains(s.Key) ? "baseline" : "-") : string.Join("; ", s.Comparisons.Select(c => Ratio(s, c, byKey)));
            sb.Append(Inv, $"| {s.Key} | {s.Unit} | {st.Count} | {Stats.Ms(st.Min)} | {Stats.Ms(st.Median)} | {Stats.Ms(st.P95)} | {Stats.Ms(st.P99)} | {Stats.Ms(st.Max)} | {ratio} |").AppendLine();
        }
        var notes = series.Where(s => s.Notes.Count > 0).ToList();
        if (notes.Count > 0)
        {
            sb.AppendLine().AppendLine("Notes:");
            foreach (Series s in notes)
                foreach (var (k, v) in s.Notes)
                    sb.Append(Inv, $"- {s.Key}: {k} = {v}").AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>
    /// "1.52x floor: ..." for medians, "p95: 1.80x ..." for tails. A p99 needs 100 samples; when
    /// only the baseline has too few, its maximum stands in and the text says so.
    /// </summary>
    public static string Ratio(Series s, Comparison c, IReadOnlyDictionary<string, Series> byKey)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(byKey);
        if (!byKey.TryGetValue(c.BaselineKey, out Series? b) || b.Stats.Count == 0 || s.Stats.Count == 0) return "n/a (" + c.BaselineKey + " missing)";
        string stat = c.Statistic == Statistic.Median ? "" : c.Statistic.ToString().ToLowerInvariant() + ": ";
        double own = s.Stats.Value(c.Statistic), theirs = b.Stats.Value(c.Statistic);
        if (double.IsNaN(own)) return string.Create(Inv, $"{stat}n/a (n = {s.Stats.Count} < {Stats.MinSamplesForP99})");
        string of = b.Key;
        if (double.IsNaN(theirs))
        {
            theirs = b.Stats.Max;
            of = string.Create(Inv, $"the max of {b.Key} (n = {b.Stats.Count} < {Stats.MinSamplesForP99}, no p99)");
        }
        return stat + (own / theirs).ToString("0.00", Inv) + "x " + of;
    }

    public static string Csv(IReadOnlyList<Series> series)
    {
        var sb = new StringBuilder("scenario,metric,sample,ms\n");
        foreach (Series s in series)
            for (int i = 0; i < s.Samples.Count; i++)
                sb.Append(Inv, $"{Quote(s.Scenario)},{Quote(s.Metric)},{i},{s.Samples[i].ToString("0.###", Inv)}\n");
        return sb.ToString();
    }

    private static string Quote(string v) => v.Contains(',', StringComparison.Ordinal) || v.Contains('"', StringComparison.Ordinal) ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;

    /// <summary>A strip plot on a log-scale axis: one row per series, a dot per sample, a bar at the median.</summary>
    public static string Svg(IReadOnlyList<Series> series)
    {
        var rows = series.Where(s => s.Samples.Count > 0 && s.Unit == "ms").ToList();
        // Series names are printed in full: the label column grows with the longest one
        // (~7.5 px per character at 12 px sans-serif, DejaVu being among the widest).
        const int right = 30, rowH = 28, top = 40, plotWidth = 640;
        int left = Math.Max(260, 16 + (int)(7.5 * rows.Select(s => s.Key.Length).DefaultIfEmpty(0).Max()));
        int width = left + plotWidth + right, height = top + rowH * Math.Max(rows.Count, 1) + 50;
        double min = rows.Count == 0 ? 1 : Math.Max(0.01, rows.Min(s => s.Samples.Min()));
        double max = rows.Count == 0 ? 10 : Math.Max(min * 10, rows.Max(s => s.Samples.Max()));
        double lo = Math.Floor(Math.Log10(min)), hi = Math.Ceiling(Math.Log10(max));
        double X(double v) => left + (Math.Log10(Math.Max(v, 0.001)) - lo) / (hi - lo) * (width - left - right);
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(Inv, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append(Inv, $"<text x=\"{left}\" y=\"20\" font-size=\"14\">latency per series (ms, log scale); bar = median</text>\n");
        for (double e = lo; e <= hi; e++)
        {
            double x = X(Math.Pow(10, e));
            sb.Append(Inv, $"<line x1=\"{x:0.#}\" y1=\"{top - 5}\" x2=\"{x:0.#}\" y2=\"{height - 40}\" stroke=\"#ddd\"/>\n");
            sb.Append(Inv, $"<text x=\"{x:0.#}\" y=\"{height - 25}\" text-anchor=\"middle\">{Math.Pow(10, e).ToString("0.###", Inv)}</text>\n");
        }
        for (int r = 0; r < rows.Count; r++)
        {
            Series s = rows[r];
            double y = top + r * rowH + rowH / 2.0;
            sb.Append(Inv, $"<text x=\"{left - 8}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Escape(s.Key)}</text>\n");
            foreach (double v in s.Samples)
                sb.Append(Inv, $"<circle cx=\"{X(v):0.#}\" cy=\"{y:0.#}\" r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.5\"/>\n");
            double m = X(s.Stats.Median);
            sb.Append(Inv, $"<line x1=\"{m:0.#}\" y1=\"{y - 9:0.#}\" x2=\"{m:0.#}\" y2=\"{y + 9:0.#}\" stroke=\"#d62728\" stroke-width=\"3\"/>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    public static string Write(string directory, IReadOnlyList<Series> series, string title, IEnumerable<string> context)
    {
        System.IO.Directory.CreateDirectory(directory);
        string md = Markdown(series, title, context);
        File.WriteAllText(Path.Combine(directory, "report.md"), md);
        File.WriteAllText(Path.Combine(directory, "samples.csv"), Csv(series));
        File.WriteAllText(Path.Combine(directory, "latency.svg"), Svg(series));
        return md;
    }
}
