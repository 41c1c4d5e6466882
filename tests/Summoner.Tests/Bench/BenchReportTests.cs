using System.Text.RegularExpressions;
using Summoner.Bench;
using Summoner.Metrics;

namespace Summoner.Tests.Bench;

/// <summary>The bench's statistics, ratios, SVG labels and metric parsing, without booting anything.</summary>
[Trait("Category", "unit")]
public sealed class BenchReportTests
{
    private static Series Filled(string scenario, string metric, int n, Func<int, double> sample, string? baseline = null)
    {
        var s = new Series(scenario, metric, baseline);
        for (int i = 0; i < n; i++) s.Samples.Add(sample(i));
        return s;
    }

    [Fact]
    public void A_p99_is_given_from_100_samples_and_not_below()
    {
        Assert.True(double.IsNaN(Stats.Of([.. Enumerable.Range(1, 99).Select(i => (double)i)]).P99));
        Stats st = Stats.Of([.. Enumerable.Range(1, 100).Select(i => (double)i)]);
        Assert.Equal(99.01, st.P99, 6);
        Assert.Equal(50.5, st.Median, 6);
    }

    [Fact]
    public void The_report_prints_every_comparison_and_a_dash_for_p99_below_100_samples()
    {
        Series floor = Filled("floor", "launch", 20, i => 100 + i);
        Series cold = Filled("cold", "answer", 20, i => 150 + 2 * i, floor.Key).CompareTo(floor.Key, Statistic.P95);
        Series storm = Filled("storm", "answers", 200, i => 200 + i % 50, cold.Key).CompareTo(cold.Key, Statistic.P99);
        string md = Report.Markdown([floor, cold, storm], "t", []);

        Assert.Contains("| floor: launch | ms | 20 | 100.0 | 109.5 | 118.1 | - | 119.0 | baseline |", md, StringComparison.Ordinal);
        // cold median 169 / floor median 109.5; cold p95 186.1 / floor p95 118.05.
        Assert.Contains("| 1.54x floor: launch; p95: 1.58x floor: launch |", md, StringComparison.Ordinal);
        // storm p99 249 against the max (188) of a 20-sample cold series, said so.
        Assert.Contains("p99: 1.32x the max of cold: answer (n = 20 < 100, no p99)", md, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"\| storm: answers \| ms \| 200 \|( [0-9.]+ \|){4}"), md);
    }

    [Fact]
    public void A_missing_baseline_is_named_instead_of_a_ratio()
    {
        Series warm = Filled("warm", "answer", 3, i => 5 + i, "cold: query to answer");
        Assert.Contains("n/a (cold: query to answer missing)", Report.Markdown([warm], "t", []), StringComparison.Ordinal);
    }

    [Fact]
    public void The_svg_shows_long_series_names_in_full_inside_the_picture()
    {
        string longName = "a series name long enough that a fixed label column would have to cut it";
        Series s = Filled("qemu stop/cont of a booted guest", longName, 5, i => 10 + i);
        string svg = Report.Svg([s, Filled("floor", "x", 5, i => 1 + i)]);

        Match label = Regex.Match(svg, "<text x=\"([0-9.]+)\" y=\"[0-9.]+\" text-anchor=\"end\">" + Regex.Escape(s.Key) + "</text>");
        Assert.True(label.Success, svg);
        // Right-aligned at x: the text needs about 7 px per character to the left of x.
        Assert.True(double.Parse(label.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 7 * s.Key.Length, svg);
    }

    [Fact]
    public void Metric_queries_match_with_or_without_extra_labels_and_sum_them()
    {
        var registry = new MetricRegistry();
        Counter plain = registry.Counter("summoner_summons_total", "s", "service", "result");
        plain.WithLabels("storm", "ready").Inc(3);
        plain.WithLabels("storm", "failed").Inc();
        plain.WithLabels("other", "ready").Inc(7);
        Counter longer = registry.Counter("summoner_summons_total_extra_total", "a longer name with the same start", "service", "result");
        longer.WithLabels("storm", "ready").Inc(100);
        Assert.Equal(3, PromText.Sum(registry.Render(), "summoner_summons_total", ("service", "storm"), ("result", "ready")));

        var kinds = new MetricRegistry();
        Counter withKind = kinds.Counter("summoner_summons_total", "s", "service", "kind", "result");
        withKind.WithLabels("storm", "cold", "ready").Inc(2);
        withKind.WithLabels("storm", "warm", "ready").Inc(5);
        Histogram phases = kinds.Histogram("summoner_summon_phase_seconds", "p", [0.1, 1], "service", "kind", "phase");
        phases.WithLabels("cold", "cold", "create").Observe(0.25);
        phases.WithLabels("cold", "cold", "create").Observe(0.5);
        string text = kinds.Render();
        Assert.Equal(7, PromText.Sum(text, "summoner_summons_total", ("service", "storm"), ("result", "ready")));
        Assert.Equal(2, PromText.Sum(text, "summoner_summons_total", ("service", "storm"), ("kind", "cold")));
        Assert.Equal(0.75, PromText.Sum(text, "summoner_summon_phase_seconds_sum", ("service", "cold"), ("phase", "create")), 9);
        Assert.Equal(2, PromText.Sum(text, "summoner_summon_phase_seconds_count", ("service", "cold"), ("phase", "create")));
    }
}
