using Summoner.Metrics;

namespace Summoner.Tests.Metrics;

[Trait("Category", "unit")]
public sealed class ExpositionTests
{
    [Fact]
    public void Counters_gauges_and_histograms_render_in_the_text_format_with_escaping()
    {
        var registry = new MetricRegistry();
        Counter queries = registry.Counter("dns_queries_total", "Queries\\answers,\nby rcode.", "rcode", "zone");
        queries.WithLabels("NOERROR", "a\"b\\c\nd").Inc();
        queries.WithLabels("NOERROR", "a\"b\\c\nd").Inc(2);
        queries.WithLabels("NXDOMAIN", "").Inc();
        Gauge running = registry.Gauge("running_guests", "Running guests.");
        running.Inc(3);
        running.Dec();
        Histogram phases = registry.Histogram("phase_seconds", "Phase time.", [0.1, 1], "phase");
        Histogram.Series boot = phases.WithLabels("boot");
        boot.Observe(0.05);
        boot.Observe(0.1);
        boot.Observe(TimeSpan.FromMilliseconds(500));
        boot.Observe(7);
        registry.Histogram("empty_seconds", "Nothing yet.", [1]);

        Assert.Equal(
            "# HELP dns_queries_total Queries\\\\answers,\\nby rcode.\n" +
            "# TYPE dns_queries_total counter\n" +
            "dns_queries_total{rcode=\"NOERROR\",zone=\"a\\\"b\\\\c\\nd\"} 3\n" +
            "dns_queries_total{rcode=\"NXDOMAIN\",zone=\"\"} 1\n" +
            "# HELP running_guests Running guests.\n" +
            "# TYPE running_guests gauge\n" +
            "running_guests 2\n" +
            "# HELP phase_seconds Phase time.\n" +
            "# TYPE phase_seconds histogram\n" +
            "phase_seconds_bucket{phase=\"boot\",le=\"0.1\"} 2\n" +
            "phase_seconds_bucket{phase=\"boot\",le=\"1\"} 3\n" +
            "phase_seconds_bucket{phase=\"boot\",le=\"+Inf\"} 4\n" +
            "phase_seconds_sum{phase=\"boot\"} 7.65\n" +
            "phase_seconds_count{phase=\"boot\"} 4\n" +
            "# HELP empty_seconds Nothing yet.\n" +
            "# TYPE empty_seconds histogram\n" +
            "empty_seconds_bucket{le=\"1\"} 0\n" +
            "empty_seconds_bucket{le=\"+Inf\"} 0\n" +
            "empty_seconds_sum 0\n" +
            "empty_seconds_count 0\n",
            registry.Render());
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1E+21")]
    [InlineData(-3.0, "-3")]
    public void Values_are_written_the_way_Go_reads_them(double value, string text) => Assert.Equal(text, Exposition.FormatValue(value));

    [Fact]
    public void Declaring_a_metric_the_format_cannot_express_fails_early()
    {
        var registry = new MetricRegistry();
        Assert.Throws<ArgumentException>(() => registry.Counter("summons", "no _total suffix"));
        Assert.Throws<ArgumentException>(() => registry.Gauge("9lives", "bad name"));
        Assert.Throws<ArgumentException>(() => registry.Gauge("a_b", "bad label", "bad-label"));
        Assert.Throws<ArgumentException>(() => registry.Gauge("a_c", "reserved label", "__name"));
        Assert.Throws<ArgumentException>(() => registry.Histogram("h_seconds", "le is reserved", [1], "le"));
        Assert.Throws<ArgumentException>(() => registry.Histogram("h2_seconds", "bounds must increase", [1, 1]));
        registry.Histogram("x_seconds", "x", [1]);
        Assert.Throws<ArgumentException>(() => registry.Gauge("x_seconds_count", "collides with the histogram's _count"));
        Assert.Throws<ArgumentException>(() => registry.Gauge("x_seconds", "duplicate"));
        Counter c = registry.Counter("c_total", "c", "service");
        Assert.Throws<ArgumentException>(() => c.WithLabels("a", "b"));
        Assert.Throws<InvalidOperationException>(() => c.Inc());
        Assert.Throws<ArgumentOutOfRangeException>(() => c.WithLabels("a").Inc(-1));
    }

    [Fact]
    public void Concurrent_updates_are_not_lost()
    {
        var registry = new MetricRegistry();
        Counter counter = registry.Counter("hits_total", "hits", "worker");
        Histogram histogram = registry.Histogram("lat_seconds", "lat", [0.5]);
        const int Threads = 4, PerThread = 20_000;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (int k = 0; k < PerThread; k++)
            {
                counter.WithLabels((k % 2).ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
                histogram.Observe(k % 2 == 0 ? 0.25 : 1);
                if (k % 5000 == 0) _ = registry.Render();
            }
        });
        Assert.Equal(Threads * PerThread / 2, counter.WithLabels("0").Value);
        Assert.Equal(Threads * PerThread / 2, counter.WithLabels("1").Value);
        string text = registry.Render();
        Assert.Contains($"lat_seconds_bucket{{le=\"0.5\"}} {Threads * PerThread / 2}\n", text, StringComparison.Ordinal);
        Assert.Contains($"lat_seconds_count {Threads * PerThread}\n", text, StringComparison.Ordinal);
        Assert.Contains($"lat_seconds_sum {Threads * PerThread / 2 * 1.25}\n", text, StringComparison.Ordinal);
    }
}
