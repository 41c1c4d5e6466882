using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Summoner.Bench;

/// <summary>
/// door: what holding each service's address costs. Cold summons triggered by a bare connect
/// (no DNS) against ones triggered by a query, alternating in one daemon; then wrk through the
/// door against wrk straight at the guest's own forward, alternating, on the same guest.
/// </summary>
public static partial class DoorScenarios
{
    public static async Task DoorAsync(BenchContext ctx, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        Series byDns = ctx.Add("door", "DNS-triggered cold summon: query to first HTTP byte");
        Series byConnect = ctx.Add("door", "connect-triggered cold summon: connect to first HTTP byte", byDns.Key).CompareTo(byDns.Key, Statistic.P95);
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, ctx.ServiceToml("door"), ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        IPAddress address = IPAddress.Parse((await serve.StatusAsync("door", ct).ConfigureAwait(false)).GetProperty("address").GetString()!);
        var endpoint = new IPEndPoint(address, 80);
        for (int i = 0; i <= ctx.Samples; i++)
        {
            await WaitColdAsync(serve, ct).ConfigureAwait(false);
            var sw = Stopwatch.StartNew();
            IPAddress answered = await serve.QueryAsync("door.bench.test", ct).ConfigureAwait(false);
            await HttpProbe.FirstByteAsync(new IPEndPoint(answered, 80), ct).ConfigureAwait(false);
            double dns = sw.Elapsed.TotalMilliseconds;
            await serve.StopServiceAsync("door", ct).ConfigureAwait(false);

            await WaitColdAsync(serve, ct).ConfigureAwait(false);
            sw.Restart();
            await HttpProbe.FirstByteAsync(endpoint, ct).ConfigureAwait(false);
            double connect = sw.Elapsed.TotalMilliseconds;
            await serve.StopServiceAsync("door", ct).ConfigureAwait(false);
            if (i == 0) continue; // the first pair fills libvirt's caches
            byDns.Samples.Add(dns);
            byConnect.Samples.Add(connect);
            ctx.Report("door", i, ctx.Samples, $"cold by DNS {dns:F1} ms, cold by connect {connect:F1} ms (to first HTTP byte)");
        }

        Series directRate = ctx.Add("door", "wrk straight to the guest's forward: requests/s", unit: "req/s");
        Series doorRate = ctx.Add("door", "wrk through the door: requests/s", directRate.Key, unit: "req/s");
        Series directLatency = ctx.Add("door", "wrk straight to the guest's forward: median latency");
        Series doorLatency = ctx.Add("door", "wrk through the door: median latency", directLatency.Key);
        await serve.QueryAsync("door.bench.test", ct).ConfigureAwait(false);
        IPAddress guest = IPAddress.Parse((await serve.StatusAsync("door", ct).ConfigureAwait(false)).GetProperty("guestAddress").GetString()!);
        int rounds = Math.Max(2, ctx.Samples / 4);
        for (int r = 0; r <= rounds; r++)
        {
            (double rate, double latency) direct = await WrkAsync(guest, ct).ConfigureAwait(false);
            (double rate, double latency) door = await WrkAsync(address, ct).ConfigureAwait(false);
            if (r == 0) continue; // warm-up pair
            directRate.Samples.Add(direct.rate);
            doorRate.Samples.Add(door.rate);
            directLatency.Samples.Add(direct.latency);
            doorLatency.Samples.Add(door.latency);
            ctx.Report("door", r, rounds, $"wrk direct {direct.rate:F0} req/s, {direct.latency:F2} ms; through the door {door.rate:F0} req/s, {door.latency:F2} ms");
        }
        doorLatency.Notes["added median latency"] = string.Create(CultureInfo.InvariantCulture,
            $"{doorLatency.Stats.Median - directLatency.Stats.Median:F3} ms (median of the rounds' medians, through the door minus direct)");
        doorRate.Notes["wrk"] = "-t1 -c8 -d3s --latency, GET /, alternating direct and through the door on one guest";
    }

    private static Task WaitColdAsync(ServeProcess serve, CancellationToken ct) =>
        serve.WaitForAsync("door", s => s.GetProperty("state").GetString() == "cold", TimeSpan.FromSeconds(60), ct);

    /// <summary>One wrk run; returns requests/s and the median latency in ms.</summary>
    private static async Task<(double Rate, double MedianMs)> WrkAsync(IPAddress address, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-t1", "-c8", "-d3s", "--latency", $"http://{address}:80/" }) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start wrk (./summoner installs it)");
        Task<string> stderr = p.StandardError.ReadToEndAsync(ct);
        string output = await p.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        Match rate = RateLine().Match(output), median = MedianLine().Match(output);
        if (p.ExitCode != 0 || !rate.Success || !median.Success || output.Contains("Non-2xx", StringComparison.Ordinal) || output.Contains("Socket errors", StringComparison.Ordinal))
            throw new InvalidOperationException($"wrk against {address} failed:\n{output}{await stderr.ConfigureAwait(false)}");
        double value = double.Parse(median.Groups[1].Value, CultureInfo.InvariantCulture);
        double ms = median.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        return (double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), ms);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RateLine();

    [GeneratedRegex(@"^\s+50%\s+([0-9.]+)(us|ms|s)\s*$", RegexOptions.Multiline)]
    private static partial Regex MedianLine();
}
