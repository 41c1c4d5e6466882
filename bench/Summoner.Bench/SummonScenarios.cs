using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Summoner.Bench;

/// <summary>cold, warm and storm: summons through a real `summoner serve`, timed from the client.</summary>
public static class SummonScenarios
{
    public const string FloorReady = "floor: launch to readiness line";
    public const string FloorFirstByte = "floor: launch to first HTTP byte";
    public const string ColdAnswer = "cold: query to answer";

    /// <summary>cold: every sample starts from a stopped service, so each query boots a guest.</summary>
    public static async Task ColdAsync(BenchContext ctx, CancellationToken ct)
    {
        Series answer = ctx.Add("cold", "query to answer", FloorReady);
        Series firstByte = ctx.Add("cold", "query to first HTTP byte", FloorFirstByte);
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, ctx.ServiceToml("cold"), ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        // One unmeasured summon: the first boot through a fresh embedded driver also fills libvirt's caches.
        await SummonOnceAsync(serve, "cold", null, null, ct).ConfigureAwait(false);
        for (int i = 1; i <= ctx.Samples; i++)
        {
            await SummonOnceAsync(serve, "cold", answer, firstByte, ct).ConfigureAwait(false);
            ctx.Report("cold", i, ctx.Samples, $"answer {answer.Samples[^1]:F1} ms, first byte {firstByte.Samples[^1]:F1} ms");
        }
        AddPhaseNotes(answer, await serve.MetricsAsync(ct).ConfigureAwait(false), "cold");
    }

    private static async Task SummonOnceAsync(ServeProcess serve, string service, Series? answer, Series? firstByte, CancellationToken ct)
    {
        await serve.WaitForAsync(service, s => s.GetProperty("state").GetString() == "cold", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        var sw = Stopwatch.StartNew();
        IPAddress address = await serve.QueryAsync(service + ".bench.test", ct).ConfigureAwait(false);
        double a = sw.Elapsed.TotalMilliseconds;
        await HttpProbe.FirstByteAsync(new IPEndPoint(address, 80), ct).ConfigureAwait(false);
        double b = sw.Elapsed.TotalMilliseconds;
        answer?.Samples.Add(a);
        firstByte?.Samples.Add(b);
        await serve.StopServiceAsync(service, ct).ConfigureAwait(false);
    }

    /// <summary>warm: the service keeps one guest ready in its pool; each query takes it.</summary>
    public static async Task WarmAsync(BenchContext ctx, CancellationToken ct)
    {
        var modes = new[] { ("warm", "booted", "warm pool (booted, suspended): query to answer"), ("prestart", "paused", "created paused before boot: query to answer") };
        string toml = string.Join('\n', modes.Select(m => ctx.ServiceToml(m.Item1, warmPool: 1, poolMode: m.Item2)));
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, toml, ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        foreach (var (service, _, label) in modes)
        {
            Series answer = ctx.Add(service, label, FloorReady);
            Series firstByte = ctx.Add(service, "query to first HTTP byte", FloorFirstByte);
            for (int i = 0; i <= ctx.Samples; i++)
            {
                await serve.WaitForAsync(service, s => s.GetProperty("poolReady").GetInt32() >= 1 && s.GetProperty("state").GetString() == "cold", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
                // Let the pool member settle (suspended guests cost nothing; a resume right after suspend measures libvirt's lock, not the pool).
                await Task.Delay(200, ct).ConfigureAwait(false);
                var sw = Stopwatch.StartNew();
                IPAddress address = await serve.QueryAsync(service + ".bench.test", ct).ConfigureAwait(false);
                double a = sw.Elapsed.TotalMilliseconds;
                await HttpProbe.FirstByteAsync(new IPEndPoint(address, 80), ct).ConfigureAwait(false);
                double b = sw.Elapsed.TotalMilliseconds;
                if (i > 0)
                {
                    answer.Samples.Add(a);
                    firstByte.Samples.Add(b);
                    ctx.Report(service, i, ctx.Samples, $"answer {a:F1} ms, first byte {b:F1} ms");
                }
                await serve.StopServiceAsync(service, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>storm: N concurrent queries for one cold service; counts boots and times every answer.</summary>
    public static async Task StormAsync(BenchContext ctx, CancellationToken ct)
    {
        Series answers = ctx.Add("storm", $"{ctx.StormSize} concurrent queries, each to answer", ColdAnswer);
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, ctx.ServiceToml("storm"), ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        int rounds = Math.Max(1, ctx.Samples / 5);
        await SummonOnceAsync(serve, "storm", null, null, ct).ConfigureAwait(false);
        double boots0 = Counter(await serve.MetricsAsync(ct).ConfigureAwait(false), "summoner_summons_total{service=\"storm\",result=\"ready\"}");
        for (int r = 1; r <= rounds; r++)
        {
            await serve.WaitForAsync("storm", s => s.GetProperty("state").GetString() == "cold", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            var sw = Stopwatch.StartNew();
            Task<double>[] queries = [.. Enumerable.Range(0, ctx.StormSize).Select(async _ =>
            {
                await serve.QueryAsync("storm.bench.test", ct).ConfigureAwait(false);
                return sw.Elapsed.TotalMilliseconds;
            })];
            double[] done = await Task.WhenAll(queries).ConfigureAwait(false);
            answers.Samples.AddRange(done);
            ctx.Report("storm", r, rounds, $"{done.Length} answers, last at {done.Max():F1} ms");
            await serve.StopServiceAsync("storm", ct).ConfigureAwait(false);
        }
        double boots = Counter(await serve.MetricsAsync(ct).ConfigureAwait(false), "summoner_summons_total{service=\"storm\",result=\"ready\"}") - boots0;
        answers.Notes["boots"] = string.Create(CultureInfo.InvariantCulture, $"{boots} for {rounds} round(s) of {ctx.StormSize} queries (single-flight: one per round)");
    }

    internal static double Counter(string metrics, string series)
    {
        foreach (string line in metrics.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        return 0;
    }

    private static void AddPhaseNotes(Series s, string metrics, string service)
    {
        foreach (string phase in new[] { "create", "boot", "ready" })
        {
            double sum = Counter(metrics, $"summoner_summon_phase_seconds_sum{{service=\"{service}\",phase=\"{phase}\"}}");
            double count = Counter(metrics, $"summoner_summon_phase_seconds_count{{service=\"{service}\",phase=\"{phase}\"}}");
            if (count > 0) s.Notes["mean " + phase + " phase"] = string.Create(CultureInfo.InvariantCulture, $"{sum / count * 1000:F1} ms");
        }
    }
}
