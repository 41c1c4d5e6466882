using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Kernel.Net.Tests;

/// <summary>
/// Issue 20: the hello guest attacked as an adversary would, with bounded floods, while a client
/// keeps asking for the page. The SYN flood is aimed at the guest's own stack (bridge mode in a
/// namespace this test creates: on slirp the host kernel would absorb it); slowloris runs in both
/// network modes. Each test takes at most a minute on two cores under TCG.
/// </summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class GuestAttackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);
    private static readonly string Url = $"http://{GuestTapTests.GuestAddress}/";

    /// <summary>20,000 SYNs at 1,000/s from random spoofed addresses. Without defences 300 SYNs shut the
    /// listener for a minute; with SYN cookies every curl during the flood gets the page, and one
    /// right after it does within a second.</summary>
    [Fact]
    public async Task Hello_on_a_tap_serves_a_client_during_and_right_after_a_spoofed_SYN_flood_of_20000_SYNs_at_1000_per_second()
    {
        (NetworkNamespace ns, RunningGuest guest) = GuestTapTests.Start("hello", 80);
        using (ns)
        using (guest)
        {
            await guest.WaitReadyAsync(Boot);
            Assert.Equal("200", Curl(ns, 20).Code); // the page is up before the flood

            Task<(int, string)> flood = Task.Run(() => ns.TryExec(
                ["timeout", "40", "hping3", "-q", "-S", "-p", "80", "--rand-source", "-i", "u1000", "-c", "20000", GuestTapTests.GuestAddress],
                TimeSpan.FromSeconds(50)));
            var during = new List<(string Code, double Seconds)>();
            await Task.Delay(2000);
            while (!flood.IsCompleted)
            {
                var tick = Task.Delay(1000);
                during.Add(Curl(ns, 5));
                await tick;
            }
            (_, string hping) = await flood;
            (string afterCode, double afterSeconds) = Curl(ns, 1);
            output.WriteLine(hping.Trim());
            output.WriteLine($"during the flood: {during.Count(r => r.Code == "200")}/{during.Count} curls got 200 (slowest {during.Max(r => r.Seconds):F2} s); after: {afterCode} in {afterSeconds:F2} s");

            Assert.Matches(@"(1[5-9]|20)\d{3} packets transmitted", hping); // the flood really went out
            Assert.True(during.Count >= 10, "the flood ended too early to test anything:\n" + hping);
            Assert.All(during, r => Assert.Equal("200", r.Code));
            Assert.Equal("200", afterCode);

            // Most clients during the flood complete their handshake with a cookie, but not each one:
            // a SYN that arrives just after a half-open entry's SYN-ACK budget ran out gets that entry
            // instead (a fresh-clone run saw cookies.ok=20 for 21 served curls, halfopen.expired=192).
            // What the defence promises is that clients are served (above) and that cookies did it.
            string stats = await LastStatsLineAsync(guest, s => Counter(s, "cookies.ok") >= during.Count / 2);
            foreach (string line in guest.Serial.Split('\n').Where(l => l.StartsWith(StatsPrefix, StringComparison.Ordinal))) output.WriteLine(line.Trim());
            Assert.True(Counter(stats, "cookies.sent") > 10_000, stats);
        }
    }

    /// <summary>hello's HTTP library answers a head still incomplete after 10 s with 408 and a close, so
    /// slowhttptest would run out of connections after ~15 s and end the attack early: these tests
    /// give the header deadlines 60 s so the connection table itself is under attack for the whole
    /// 30 s (the HTTP deadlines are tested in HttpServerTests and GuestHttpTests).</summary>
    private const string HoldSlowHeaders = "http_request_line_ms=60000 http_header_ms=60000";

    [Fact]
    public async Task Hello_on_a_tap_serves_90_percent_of_a_clients_requests_during_slowloris_with_500_connections()
    {
        (NetworkNamespace ns, RunningGuest guest) = GuestTapTests.Start("hello", 80, HoldSlowHeaders);
        using (ns)
        using (guest)
        {
            await guest.WaitReadyAsync(Boot);
            await SlowlorisAsync(guest, command => ns.TryExec(command, TimeSpan.FromSeconds(60)), Url);
        }
    }

    [Fact]
    public async Task Hello_through_slirp_serves_90_percent_of_a_clients_requests_during_slowloris_with_500_connections()
    {
        int port = FreePort.Loopback();
        using RunningGuest guest = GuestSlirpTests.Start("hello", port, 80, HoldSlowHeaders);
        await guest.WaitReadyAsync(Boot);
        await SlowlorisAsync(guest, command => Command.TryRun(command, TimeSpan.FromSeconds(60)), $"http://127.0.0.1:{port}/");
    }

    /// <summary>slowhttptest holds 500 connections for 30 s, each sending a header line every 10 s
    /// and never finishing its request; meanwhile a client asks for the page once a second.</summary>
    private async Task SlowlorisAsync(RunningGuest guest, Func<string[], (int ExitCode, string Output)> run, string url)
    {
        Assert.Equal("200", Curl(run, url, 20).Code);
        Task<(int, string)> attack = Task.Run(() => run(
            ["timeout", "45", "slowhttptest", "-H", "-c", "500", "-i", "10", "-r", "100", "-l", "30", "-x", "24", "-p", "3", "-u", url]));
        await Task.Delay(5000); // the attack's connections are open (100/s)
        var requests = new List<Task<(string Code, double Seconds)>>();
        while (!attack.IsCompleted && requests.Count < 25)
        {
            requests.Add(Task.Run(() => Curl(run, url, 5)));
            await Task.Delay(1000);
        }
        (string Code, double Seconds)[] results = await Task.WhenAll(requests);
        (_, string report) = await attack;
        report = Regex.Replace(report, @"\x1b\[[0-9;]*m", "");
        int served = results.Count(r => r.Code == "200");
        output.WriteLine(Tail(report, 12));
        output.WriteLine($"served {served}/{results.Length} requests during slowloris (slowest {results.Max(r => r.Seconds):F2} s)");
        output.WriteLine(LastStatsLine(guest.Serial) ?? "(no stats line)");
        Assert.Contains("slow HTTP test", report, StringComparison.OrdinalIgnoreCase);
        Assert.True(results.Length >= 20, $"the attack ended after {results.Length} requests:\n{report}");
        Assert.True(served * 10 >= results.Length * 9, $"served {served}/{results.Length}: {string.Join(' ', results.Select(r => r.Code))}\n{Tail(guest.Serial, 20)}");
    }

    // ------------------------------------------------------------------ helpers

    private static (string Code, double Seconds) Curl(NetworkNamespace ns, int maxSeconds) =>
        Curl(command => ns.TryExec(command, TimeSpan.FromSeconds(maxSeconds + 10)), Url, maxSeconds);

    private static (string Code, double Seconds) Curl(Func<string[], (int ExitCode, string Output)> run, string url, int maxSeconds)
    {
        (_, string text) = run(["curl", "-s", "-o", "/dev/null", "--max-time", maxSeconds.ToString(CultureInfo.InvariantCulture), "-w", "%{http_code} %{time_total}", url]);
        string[] parts = text.Trim().Split(' ');
        double seconds = parts.Length > 1 && double.TryParse(parts[1], CultureInfo.InvariantCulture, out double s) ? s : maxSeconds;
        return (parts[0], seconds);
    }

    internal static string? LastStatsLine(string serial) =>
        serial.Split('\n').LastOrDefault(l => l.StartsWith(StatsPrefix, StringComparison.Ordinal))?.Trim();

    private const string StatsPrefix = "summoner: stats tcp";

    /// <summary>Waits (up to 5 s: the guest prints at most once a second) for a stats line that satisfies <paramref name="done"/>.</summary>
    private static async Task<string> LastStatsLineAsync(RunningGuest guest, Func<string, bool> done)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            string? line = LastStatsLine(guest.Serial);
            if (line is not null && done(line)) return line;
            if (sw.Elapsed > TimeSpan.FromSeconds(5)) throw new TimeoutException("no matching stats line; last: " + (line ?? "none") + "\n" + Tail(guest.Serial, 20));
            await Task.Delay(100);
        }
    }

    internal static long Counter(string statsLine, string name)
    {
        Match m = Regex.Match(statsLine, " " + Regex.Escape(name) + @"=(\d+)");
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
