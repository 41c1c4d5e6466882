using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Summoner.Bench;

/// <summary>floor, dns and density: the baselines and the host-side costs.</summary>
public static partial class HostScenarios
{
    public static async Task FloorAsync(BenchContext ctx, CancellationToken ct)
    {
        Series ready = ctx.Add("floor", "launch to readiness line");
        Series firstByte = ctx.Add("floor", "launch to first HTTP byte");
        var floor = new FloorScenario { ImagePath = ctx.ImagePath, Accelerator = ctx.Accelerator };
        await floor.RunOnceAsync(new Series("warmup", "x"), null, ct).ConfigureAwait(false);
        for (int i = 1; i <= ctx.Samples; i++)
        {
            await floor.RunOnceAsync(ready, firstByte, ct).ConfigureAwait(false);
            ctx.Report("floor", i, ctx.Samples, $"ready {ready.Samples[^1]:F1} ms, first byte {firstByte.Samples[^1]:F1} ms");
        }
    }

    /// <summary>dns: dnsperf against a ready service name through serve, and against NSD with the same name.</summary>
    public static async Task DnsAsync(BenchContext ctx, CancellationToken ct)
    {
        Series nsd = ctx.Add("dns", "NSD queries/s", unit: "q/s");
        Series ours = ctx.Add("dns", "summoner serve queries/s (ready service)", "dns: NSD queries/s", unit: "q/s");
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
                  server-count: 1
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

    /// <summary>density: summon idle services one by one until the memory budget; host memory per guest.</summary>
    public static async Task DensityAsync(BenchContext ctx, CancellationToken ct)
    {
        Series perGuest = ctx.Add("density", "host memory per idle guest (MemAvailable drop)", unit: "MiB");
        const int guestMiB = 32;
        int count = (int)Math.Clamp(ctx.DensityBudgetMiB / guestMiB, 1, 64);
        string toml = string.Join('\n', Enumerable.Range(1, count).Select(i => ctx.ServiceToml("d" + i.ToString(CultureInfo.InvariantCulture), memory: guestMiB + "MiB")));
        await using ServeProcess serve = await ServeProcess.StartAsync(ctx.SummonerDll, toml, ctx.Accelerator, guestMemory: ctx.DensityBudgetMiB + "MiB", runningGuests: count, cancellationToken: ct).ConfigureAwait(false);
        long before = MemAvailableKiB();
        long previous = before;
        for (int i = 1; i <= count; i++)
        {
            await serve.QueryAsync($"d{i}.bench.test", ct).ConfigureAwait(false);
            await Task.Delay(300, ct).ConfigureAwait(false);
            long now = MemAvailableKiB();
            perGuest.Samples.Add((previous - now) / 1024.0);
            previous = now;
            ctx.Report("density", i, count, $"{(before - now) / 1024.0:F1} MiB for {i} guest(s)");
        }
        await Task.Delay(2000, ct).ConfigureAwait(false);
        double totalMiB = (before - MemAvailableKiB()) / 1024.0;
        perGuest.Notes["guests"] = string.Create(CultureInfo.InvariantCulture, $"{count} idle guests of {guestMiB} MiB, budget {ctx.DensityBudgetMiB} MiB");
        perGuest.Notes["host memory for all"] = string.Create(CultureInfo.InvariantCulture, $"{totalMiB:F0} MiB ({totalMiB / count:F1} MiB per guest)");
        perGuest.Notes["guests per GiB of host memory"] = string.Create(CultureInfo.InvariantCulture, $"{count / (totalMiB / 1024):F1}");
    }

    private static long MemAvailableKiB()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return 0;
    }
}
