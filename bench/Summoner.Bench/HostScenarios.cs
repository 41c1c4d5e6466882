using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Summoner.Bench;

/// <summary>floor, dns and density: the baselines and the host-side costs.</summary>
public static partial class HostScenarios
{
    public static async Task FloorAsync(BenchContext ctx, CancellationToken ct)
    {
        Series ready = ctx.Add("floor", "launch to readiness line");
        Series accepted = ctx.Add("floor", "launch to accepted line");
        Series firstByte = ctx.Add("floor", "launch to first HTTP byte");
        await SummonScenarios.LaunchOnceAsync(ctx, ct).ConfigureAwait(false);
        for (int i = 1; i <= ctx.Samples; i++)
        {
            var (r, a, b) = await SummonScenarios.LaunchOnceAsync(ctx, ct).ConfigureAwait(false);
            ready.Samples.Add(r);
            accepted.Samples.Add(a);
            firstByte.Samples.Add(b);
            ctx.Report("floor", i, ctx.Samples, $"ready {r:F1} ms, accepted {a:F1} ms, first byte {b:F1} ms");
        }
    }

    /// <summary>
    /// dns: dnsperf against a ready service name through serve, and against NSD with the same
    /// name, NSD running as many server processes as serve has UDP receive threads.
    /// </summary>
    public static async Task DnsAsync(BenchContext ctx, CancellationToken ct)
    {
        Series nsd = ctx.Add("dns", "NSD queries/s", unit: "q/s");
        Series ours = ctx.Add("dns", "summoner serve queries/s (ready service)", "dns: NSD queries/s", unit: "q/s");
        int receivers = new Summoner.Dns.DnsServerOptions().UdpReceivers; // serve leaves the default
        nsd.Notes["server-count"] = string.Create(CultureInfo.InvariantCulture, $"{receivers} (= summoner serve's UDP receive threads)");
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, ctx.ServiceToml("dns"), ctx.Accelerator, cancellationToken: ct).ConfigureAwait(false);
        var address = await serve.QueryAsync("dns.bench.test", ct).ConfigureAwait(false);
        string dir = Directory.CreateTempSubdirectory("summoner-bench-nsd-").FullName;
        try
        {
            string queries = Path.Combine(dir, "queries.txt");
            await File.WriteAllTextAsync(queries, "dns.bench.test A\n", ct).ConfigureAwait(false);
            int nsdPort = ServeProcess.FreePort();
            await File.WriteAllTextAsync(Path.Combine(dir, "bench.test.zone"), $"""
                $ORIGIN bench.test.
                $TTL 1
                @ 300 IN SOA ns1.bench.test. hostmaster.bench.test. 1 3600 600 86400 5
                @ 300 IN NS ns1.bench.test.
                ns1 300 IN A 127.0.0.1
                dns IN A {address}

                """, ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(dir, "nsd.conf"), $"""
                server:
                  ip-address: 127.0.0.1@{nsdPort}
                  server-count: {receivers}
                  username: ""
                  chroot: ""
                  zonesdir: "{dir}"
                  database: ""
                  pidfile: "{dir}/nsd.pid"
                  xfrdfile: "{dir}/xfrd.state"
                  zonelistfile: "{dir}/zone.list"
                  rrl-ratelimit: 0
                  rrl-whitelist-ratelimit: 0
                  verbosity: 0
                remote-control:
                  control-enable: no
                zone:
                  name: bench.test
                  zonefile: bench.test.zone

                """, ct).ConfigureAwait(false);
            using Process nsdProcess = Process.Start(new ProcessStartInfo("nsd", ["-d", "-c", Path.Combine(dir, "nsd.conf")]) { RedirectStandardError = true, RedirectStandardOutput = true })
                ?? throw new InvalidOperationException("cannot start nsd: apt-get install nsd");
            try
            {
                await Task.Delay(500, ct).ConfigureAwait(false);
                // One unmeasured round each: .NET's tiered JIT needs a few seconds of load to reach
                // its optimised code, and NSD's first round warms the kernel's socket paths alike.
                await DnsperfAsync(nsdPort, queries, ct).ConfigureAwait(false);
                await DnsperfAsync(serve.DnsPort, queries, ct).ConfigureAwait(false);
                int rounds = Math.Max(1, Math.Min(5, ctx.Samples / 2));
                for (int r = 1; r <= rounds; r++)
                {
                    nsd.Samples.Add(await DnsperfAsync(nsdPort, queries, ct).ConfigureAwait(false));
                    ours.Samples.Add(await DnsperfAsync(serve.DnsPort, queries, ct).ConfigureAwait(false));
                    ctx.Report("dns", r, rounds, $"NSD {nsd.Samples[^1]:F0} q/s, summoner {ours.Samples[^1]:F0} q/s");
                }
            }
            finally
            {
                nsdProcess.Kill();
                await nsdProcess.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex(@"Queries per second:\s+([0-9.]+)")]
    private static partial Regex QpsLine();

    private static async Task<double> DnsperfAsync(int port, string queries, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("dnsperf", ["-s", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-d", queries, "-c", "4", "-l", "3", "-Q", "500000", "-n", "1000000"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dnsperf: apt-get install dnsperf");
        string output = await p.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        Match m = QpsLine().Match(output);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("dnsperf printed no rate:\n" + output);
    }

    /// <summary>
    /// density: summon services one by one until the memory budget, each serving a few requests
    /// first (so its guest memory is touched as in use, not fresh from boot); host memory per guest.
    /// </summary>
    public static async Task DensityAsync(BenchContext ctx, CancellationToken ct)
    {
        const int guestMiB = 32, requestsPerGuest = 10;
        Series perGuest = ctx.Add("density", "host memory per guest after traffic (MemAvailable drop)", unit: "MiB");
        Series plainPss = ctx.Add("density", "plain QEMU PSS per guest after traffic", unit: "MiB");
        Series plainRss = ctx.Add("density", "plain QEMU RSS per guest after traffic", unit: "MiB");
        Series pss = ctx.Add("density", "QEMU PSS per guest after traffic", plainPss.Key, unit: "MiB");
        Series rss = ctx.Add("density", "QEMU RSS per guest after traffic", plainRss.Key, unit: "MiB");
        int count = (int)Math.Clamp(ctx.DensityBudgetMiB / guestMiB, 1, 64);
        double totalMiB = await DensityThroughServeAsync(ctx, count, guestMiB, requestsPerGuest, perGuest, pss, rss, ct).ConfigureAwait(false);

        // The baseline: as many plain QEMUs of the same image and memory size, running at once
        // (shared pages are split the same way), each after the same requests.
        var plain = new List<PlainQemu>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                PlainQemu q = PlainQemu.Start(ctx.ImagePath, ctx.Accelerator, memoryMiB: guestMiB);
                plain.Add(q);
                await q.WaitForLineAsync(PlainQemu.ReadyMarker, ctx.GuestTimeout, ct).ConfigureAwait(false);
                for (int r = 0; r < requestsPerGuest; r++) await q.FirstByteAsync(ct).ConfigureAwait(false);
            }
            await Task.Delay(2000, ct).ConfigureAwait(false);
            foreach (PlainQemu q in plain)
            {
                (long p, long r) = MemoryKiB(q.ProcessId);
                plainPss.Samples.Add(p / 1024.0);
                plainRss.Samples.Add(r / 1024.0);
            }
        }
        finally
        {
            foreach (PlainQemu q in plain) await q.DisposeAsync().ConfigureAwait(false);
        }
        pss.Notes["guests per GiB of host memory by PSS"] = string.Create(CultureInfo.InvariantCulture, $"{1024 / pss.Stats.Median:F1} (plain QEMU: {1024 / plainPss.Stats.Median:F1})");
        perGuest.Notes["guests"] = string.Create(CultureInfo.InvariantCulture, $"{count} guests of {guestMiB} MiB, each after {requestsPerGuest} HTTP requests; budget {ctx.DensityBudgetMiB} MiB");
        perGuest.Notes["host memory for all"] = string.Create(CultureInfo.InvariantCulture, $"{totalMiB:F0} MiB ({totalMiB / count:F1} MiB per guest)");
        perGuest.Notes["guests per GiB of host memory"] = string.Create(CultureInfo.InvariantCulture, $"{count / (totalMiB / 1024):F1}");
    }

    private static async Task<double> DensityThroughServeAsync(BenchContext ctx, int count, int guestMiB, int requestsPerGuest, Series perGuest, Series pss, Series rss, CancellationToken ct)
    {
        string toml = string.Join('\n', Enumerable.Range(1, count).Select(i => ctx.ServiceToml("d" + i.ToString(CultureInfo.InvariantCulture), memory: guestMiB + "MiB")));
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, toml, ctx.Accelerator, guestMemory: ctx.DensityBudgetMiB + "MiB", runningGuests: count, cancellationToken: ct).ConfigureAwait(false);
        long before = MemAvailableKiB();
        long previous = before;
        for (int i = 1; i <= count; i++)
        {
            IPAddress address = await serve.QueryAsync($"d{i}.bench.test", ct).ConfigureAwait(false);
            for (int r = 0; r < requestsPerGuest; r++)
                await HttpProbe.FirstByteAsync(new IPEndPoint(address, 80), ct).ConfigureAwait(false);
            await Task.Delay(300, ct).ConfigureAwait(false);
            long now = MemAvailableKiB();
            perGuest.Samples.Add((previous - now) / 1024.0);
            previous = now;
            ctx.Report("density", i, count, $"{(before - now) / 1024.0:F1} MiB for {i} guest(s)");
        }
        await Task.Delay(2000, ct).ConfigureAwait(false);
        double totalMiB = (before - MemAvailableKiB()) / 1024.0;
        foreach (var (p, r) in QemuMemoryKiB(serve.Directory))
        {
            pss.Samples.Add(p / 1024.0);
            rss.Samples.Add(r / 1024.0);
        }
        if (pss.Samples.Count != count) pss.Notes["warning"] = $"found {pss.Samples.Count} QEMU processes for {count} guests";
        return totalMiB;
    }

    /// <summary>Pss and Rss (KiB, from smaps_rollup) of every QEMU whose command line names a path under <paramref name="stateRoot"/>.</summary>
    private static List<(long Pss, long Rss)> QemuMemoryKiB(string stateRoot)
    {
        var result = new List<(long, long)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out int pid)) continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!cmdline.Contains("qemu-system", StringComparison.Ordinal) || !cmdline.Contains(stateRoot, StringComparison.Ordinal)) continue;
                result.Add(MemoryKiB(pid));
            }
            catch (IOException) { } // the process ended while we read it
            catch (UnauthorizedAccessException) { }
        }
        return result;
    }

    private static (long Pss, long Rss) MemoryKiB(int pid)
    {
        long pss = 0, rss = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Pss:", StringComparison.Ordinal)) pss = KiB(line);
            else if (line.StartsWith("Rss:", StringComparison.Ordinal)) rss = KiB(line);
        }
        return (pss, rss);
    }

    private static long KiB(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static long MemAvailableKiB()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return 0;
    }
}
