using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Summoner.Bench;

/// <summary>
/// cold, warm and storm: summons through a real `summoner serve`, timed from the client, each
/// against the plain-QEMU operation that does the same work without Summoner and libvirt.
/// </summary>
public static class SummonScenarios
{
    public const string FloorReady = "floor: launch to readiness line";
    public const string FloorAccepted = "floor: launch to accepted line";
    public const string FloorFirstByte = "floor: launch to first HTTP byte";
    public const string ColdAnswer = "cold: query to answer";
    public const string StopContAccepted = "qemu stop/cont of a booted guest: cont to accepted line";
    public const string StopContFirstByte = "qemu stop/cont of a booted guest: cont to first HTTP byte";
    public const string PausedReady = "qemu -S (created stopped): cont to readiness line";
    public const string PausedAccepted = "qemu -S (created stopped): cont to accepted line";
    public const string PausedFirstByte = "qemu -S (created stopped): cont to first HTTP byte";

    // A pool member, and its plain-QEMU twin, rest this long between suspend and the query, so a
    // resume measures the pool and not a lock still held by the suspend.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    /// <summary>cold: every sample starts from a stopped service, so each query boots a guest.</summary>
    public static async Task ColdAsync(BenchContext ctx, CancellationToken ct)
    {
        Series answer = ctx.Add("cold", "query to answer", FloorReady).CompareTo(FloorReady, Statistic.P95).CompareTo(FloorAccepted);
        Series firstByte = ctx.Add("cold", "query to first HTTP byte", FloorFirstByte).CompareTo(FloorFirstByte, Statistic.P95);
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, ctx.ServiceToml("cold"), ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        // One unmeasured summon: the first boot through a fresh embedded driver also fills libvirt's caches.
        await SummonOnceAsync(serve, "cold", null, null, ct).ConfigureAwait(false);
        // Its phases (~350 ms of create) are left out of the notes: they are measured from here.
        string unmeasured = await serve.MetricsAsync(ct).ConfigureAwait(false);
        for (int i = 1; i <= ctx.Samples; i++)
        {
            await SummonOnceAsync(serve, "cold", answer, firstByte, ct).ConfigureAwait(false);
            ctx.Report("cold", i, ctx.Samples, $"answer {answer.Samples[^1]:F1} ms, first byte {firstByte.Samples[^1]:F1} ms");
        }
        AddPhaseNotes(answer, unmeasured, await serve.MetricsAsync(ct).ConfigureAwait(false), "cold");
    }

    /// <summary>
    /// first: the first summon after serve starts against the second, serve restarted on the same
    /// state directory each sample (as a user restarts it). The first runs serve's whole summon path
    /// for the first time in the process; the cold scenario leaves it out.
    /// </summary>
    public static async Task FirstAsync(BenchContext ctx, CancellationToken ct)
    {
        Series second = ctx.Add("first", "second summon after serve starts: query to answer");
        Series first = ctx.Add("first", "first summon after serve starts: query to answer", second.Key);
        string dir = System.IO.Directory.CreateTempSubdirectory("summoner-bench-").FullName;
        try
        {
            // Sample 0 is left out: serve's first start in a new state directory has libvirt probe QEMU.
            for (int i = 0; i <= ctx.Samples; i++)
            {
                await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, ctx.ServiceToml("cold"), ctx.Accelerator, directory: dir, cancellationToken: ct).ConfigureAwait(false);
                foreach (Series s in new[] { first, second })
                    await SummonOnceAsync(serve, "cold", i > 0 ? s : null, null, ct).ConfigureAwait(false);
                if (i > 0) ctx.Report("first", i, ctx.Samples, $"first {first.Samples[^1]:F1} ms, second {second.Samples[^1]:F1} ms");
            }
        }
        finally
        {
            ServeProcess.DeleteDirectory(dir);
        }
    }

    private static async Task SummonOnceAsync(ServeProcess serve, string service, Series? answer, Series? firstByte, CancellationToken ct)
    {
        await serve.WaitForAsync(service, s => s.GetProperty("state").GetString() == "cold", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        (double a, double b) = await QueryAndProbeAsync(serve, service, ct).ConfigureAwait(false);
        answer?.Samples.Add(a);
        firstByte?.Samples.Add(b);
        await serve.StopServiceAsync(service, ct).ConfigureAwait(false);
    }

    private static async Task<(double Answer, double FirstByte)> QueryAndProbeAsync(ServeProcess serve, string service, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        IPAddress address = await serve.QueryAsync(service + ".bench.test", ct).ConfigureAwait(false);
        double a = sw.Elapsed.TotalMilliseconds;
        await HttpProbe.FirstByteAsync(new IPEndPoint(address, 80), ct).ConfigureAwait(false);
        return (a, sw.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// warm and prestart: the service keeps one guest in its pool (booted and suspended, or
    /// created paused before boot) and each query takes it. Each sample is preceded by one of its
    /// plain-QEMU twin (stop/cont of a booted guest, or <c>-S</c> + <c>cont</c>), so both see the
    /// same machine load.
    /// </summary>
    public static async Task WarmAsync(BenchContext ctx, CancellationToken ct)
    {
        var modes = new[] { ("warm", "booted", "warm pool (booted, suspended): query to answer"), ("prestart", "paused", "created paused before boot: query to answer") };
        string toml = string.Join('\n', modes.Select(m => ctx.ServiceToml(m.Item1, warmPool: 1, poolMode: m.Item2)));
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, toml, ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        foreach (var (service, _, label) in modes)
        {
            bool booted = service == "warm";
            Series? plainReady = booted ? null : ctx.Add("qemu -S (created stopped)", "cont to readiness line");
            Series plainAccepted = booted ? ctx.Add("qemu stop/cont of a booted guest", "cont to accepted line") : ctx.Add("qemu -S (created stopped)", "cont to accepted line");
            Series plainFirstByte = booted ? ctx.Add("qemu stop/cont of a booted guest", "cont to first HTTP byte") : ctx.Add("qemu -S (created stopped)", "cont to first HTTP byte");
            Series answer = ctx.Add(service, label, plainAccepted.Key).CompareTo(ColdAnswer);
            Series firstByte = ctx.Add(service, "query to first HTTP byte", plainFirstByte.Key);
            for (int i = 0; i <= ctx.Samples; i++)
            {
                var plain = booted ? await StopContOnceAsync(ctx, ct).ConfigureAwait(false) : await PausedOnceAsync(ctx, ct).ConfigureAwait(false);
                await serve.WaitForAsync(service, s => s.GetProperty("poolReady").GetInt32() >= 1 && s.GetProperty("state").GetString() == "cold", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
                await Task.Delay(Settle, ct).ConfigureAwait(false);
                (double a, double b) = await QueryAndProbeAsync(serve, service, ct).ConfigureAwait(false);
                if (i > 0) // the first pair warms both paths up
                {
                    plainReady?.Samples.Add(plain.Ready);
                    plainAccepted.Samples.Add(plain.Accepted);
                    plainFirstByte.Samples.Add(plain.FirstByte);
                    answer.Samples.Add(a);
                    firstByte.Samples.Add(b);
                    ctx.Report(service, i, ctx.Samples, $"answer {a:F1} ms, first byte {b:F1} ms; plain QEMU accepted {plain.Accepted:F1} ms, first byte {plain.FirstByte:F1} ms");
                }
                await serve.StopServiceAsync(service, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Plain QEMU launch → readiness line, → the guest's accepted line and → first byte of a probe sent after the readiness line.</summary>
    public static async Task<(double Ready, double Accepted, double FirstByte)> LaunchOnceAsync(BenchContext ctx, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        await using PlainQemu q = PlainQemu.Start(ctx.ImagePath, ctx.Accelerator);
        long ready = await q.WaitForLineAsync(PlainQemu.ReadyMarker, ctx.GuestTimeout, ct).ConfigureAwait(false);
        return await ProbeAsync(ctx, q, q.Launched, ready, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A booted guest stopped over QMP; timed from <c>cont</c>. Like a pool member, which serve
    /// proves ready (lines and one probe connection) before it suspends it, the guest has printed
    /// its readiness line and accepted one connection before the stop; under TCG the first accept
    /// also translates the guest's accept path (~8 ms), which neither side pays again after a resume.
    /// </summary>
    private static async Task<(double Ready, double Accepted, double FirstByte)> StopContOnceAsync(BenchContext ctx, CancellationToken ct)
    {
        await using PlainQemu q = PlainQemu.Start(ctx.ImagePath, ctx.Accelerator);
        await q.ConnectQmpAsync(ct).ConfigureAwait(false);
        await q.WaitForLineAsync(PlainQemu.ReadyMarker, ctx.GuestTimeout, ct).ConfigureAwait(false);
        await q.ProbeConnectAsync(ct).ConfigureAwait(false);
        await q.WaitForLineAsync(PlainQemu.AcceptedMarker, ctx.GuestTimeout, ct).ConfigureAwait(false);
        await q.StopAsync(ct).ConfigureAwait(false);
        await Task.Delay(Settle, ct).ConfigureAwait(false);
        int seen = q.Console.Length;
        long cont = Stopwatch.GetTimestamp();
        await q.ContAsync(ct).ConfigureAwait(false);
        // The guest prints a fresh accepted line for a connection closed without a byte (serve's
        // probe after a resume), not for a request; the client's request follows, as after an answer.
        await q.ProbeConnectAsync(ct).ConfigureAwait(false);
        long accepted = await q.WaitForLineAsync(PlainQemu.AcceptedMarker, ctx.GuestTimeout, ct, seen).ConfigureAwait(false);
        long firstByte = await q.FirstByteAsync(ct).ConfigureAwait(false);
        return (PlainQemu.Ms(cont, cont), PlainQemu.Ms(cont, accepted), PlainQemu.Ms(cont, firstByte));
    }

    /// <summary>A guest created stopped (<c>-S</c>, QMP up, so the machine is set up); timed from <c>cont</c> through its whole boot.</summary>
    private static async Task<(double Ready, double Accepted, double FirstByte)> PausedOnceAsync(BenchContext ctx, CancellationToken ct)
    {
        await using PlainQemu q = PlainQemu.Start(ctx.ImagePath, ctx.Accelerator, paused: true);
        await q.ConnectQmpAsync(ct).ConfigureAwait(false);
        await Task.Delay(Settle, ct).ConfigureAwait(false);
        long cont = Stopwatch.GetTimestamp();
        await q.ContAsync(ct).ConfigureAwait(false);
        long ready = await q.WaitForLineAsync(PlainQemu.ReadyMarker, ctx.GuestTimeout, ct).ConfigureAwait(false);
        return await ProbeAsync(ctx, q, cont, ready, ct).ConfigureAwait(false);
    }

    // The guest prints its accepted line for the first connection its own stack accepts: the
    // same evidence serve waits for before it answers a query.
    private static async Task<(double Ready, double Accepted, double FirstByte)> ProbeAsync(BenchContext ctx, PlainQemu q, long start, long ready, CancellationToken ct)
    {
        Task<long> accepted = q.WaitForLineAsync(PlainQemu.AcceptedMarker, ctx.GuestTimeout, ct);
        long firstByte = await q.FirstByteAsync(ct).ConfigureAwait(false);
        return (PlainQemu.Ms(start, ready), PlainQemu.Ms(start, await accepted.ConfigureAwait(false)), PlainQemu.Ms(start, firstByte));
    }

    /// <summary>storm: rounds of N concurrent queries for one cold service; boots per round and every answer timed.</summary>
    public static async Task StormAsync(BenchContext ctx, CancellationToken ct)
    {
        Series answers = ctx.Add("storm", $"{ctx.StormSize} concurrent queries, each to answer", ColdAnswer).CompareTo(ColdAnswer, Statistic.P99);
        Series bootsPerRound = ctx.Add("storm", "boots per round", unit: "boots");
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, ctx.ServiceToml("storm"), ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        int rounds = Math.Max(1, ctx.Samples / 5);
        await SummonOnceAsync(serve, "storm", null, null, ct).ConfigureAwait(false);
        for (int r = 1; r <= rounds; r++)
        {
            await serve.WaitForAsync("storm", s => s.GetProperty("state").GetString() == "cold", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            double boots0 = Boots(await serve.MetricsAsync(ct).ConfigureAwait(false), "storm");
            var sw = Stopwatch.StartNew();
            Task<double>[] queries = [.. Enumerable.Range(0, ctx.StormSize).Select(async _ =>
            {
                await serve.QueryAsync("storm.bench.test", ct).ConfigureAwait(false);
                return sw.Elapsed.TotalMilliseconds;
            })];
            double[] done = await Task.WhenAll(queries).ConfigureAwait(false);
            answers.Samples.AddRange(done);
            bootsPerRound.Samples.Add(Boots(await serve.MetricsAsync(ct).ConfigureAwait(false), "storm") - boots0);
            ctx.Report("storm", r, rounds, $"{done.Length} answers, last at {done.Max():F1} ms, {bootsPerRound.Samples[^1]} boot(s)");
            await serve.StopServiceAsync("storm", ct).ConfigureAwait(false);
        }
        answers.Notes["boots"] = string.Create(CultureInfo.InvariantCulture,
            $"{bootsPerRound.Samples.Sum()} for {rounds} round(s) of {ctx.StormSize} queries, per round {string.Join(", ", bootsPerRound.Samples)} (single-flight: one per round)");
    }

    private static double Boots(string metrics, string service) =>
        PromText.Sum(metrics, "summoner_summons_total", ("service", service), ("result", "ready"));

    /// <summary>Mean phase times of the summons between two scrapes of serve's phase histogram.</summary>
    private static void AddPhaseNotes(Series s, string before, string after, string service)
    {
        foreach (string phase in new[] { "create", "boot", "ready", "total" })
        {
            double Delta(string name) =>
                PromText.Sum(after, name, ("service", service), ("phase", phase)) - PromText.Sum(before, name, ("service", service), ("phase", phase));
            double sum = Delta("summoner_summon_phase_seconds_sum");
            double count = Delta("summoner_summon_phase_seconds_count");
            if (count > 0) s.Notes["mean " + phase + " phase"] = string.Create(CultureInfo.InvariantCulture, $"{sum / count * 1000:F1} ms");
        }
    }
}
