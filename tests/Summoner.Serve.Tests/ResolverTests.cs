using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Summoner.Testing;
using Xunit;

namespace Summoner.Serve.Tests;

/// <summary>
/// Summoner behind the resolvers users put in front of it, configured as the README shows:
/// dnsmasq forwarding the zone, and Unbound's resolver (libunbound, through unbound-host, which
/// reads the same unbound.conf clauses as the daemon) with a stub zone. Clients ask the resolver;
/// the summon, the guest and the answer are real.
/// </summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class ResolverTests
{
    [Fact]
    public async Task A_query_through_dnsmasq_summons_the_service_and_its_answer_reaches_the_guest()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync();
        int port = FreePort.Loopback();
        using Process dnsmasq = StartDnsmasq(port, d.DnsPort);
        try
        {
            await WaitForDnsmasqAsync(dnsmasq, port);
            var dig = await ServeDaemon.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "hello.summoner.test", "+short", "+tries=1", "+time=30");
            IPAddress? address = ServeDaemon.FirstAddress(dig.Stdout);
            Assert.True(address is not null, $"dig through dnsmasq: {dig.Stdout}{dig.Stderr}\n{d.Output}");
            await AssertServedAsync(address!, d);

            var nx = await ServeDaemon.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "nosuch.summoner.test", "+tries=1", "+time=10");
            Assert.Contains("status: NXDOMAIN", nx.Stdout, StringComparison.Ordinal);
            string metrics = await new HttpClient().GetStringAsync(new Uri($"http://127.0.0.1:{d.MetricsPort}/metrics"));
            Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"dns\"} 1", metrics, StringComparison.Ordinal);
        }
        finally
        {
            dnsmasq.Kill();
            await dnsmasq.WaitForExitAsync();
        }
    }

    // `.test` is a reserved TLD (RFC 6761): Unbound answers it itself (NXDOMAIN, without asking
    // anyone) unless told `local-zone: "test." nodefault`, as the README says. Both halves are
    // checked, so the sentence stays true.
    [Fact]
    public async Task Unbound_with_a_stub_zone_summons_only_once_test_is_no_longer_its_own_local_zone()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync();
        string withDefault = WriteUnboundConf(d, nodefault: false), withNodefault = WriteUnboundConf(d, nodefault: true);

        var refused = await ServeDaemon.RunAsync("unbound-host", "-C", withDefault, "-t", "A", "hello.summoner.test");
        Assert.Contains("NXDOMAIN", refused.Stdout + refused.Stderr, StringComparison.Ordinal);
        Assert.Empty(d.QemuPids()); // Unbound never asked Summoner
        string metrics = await new HttpClient().GetStringAsync(new Uri($"http://127.0.0.1:{d.MetricsPort}/metrics"));
        Assert.DoesNotContain("summoner_summons_triggered_total{service=\"hello\"", metrics, StringComparison.Ordinal);

        var answered = await ServeDaemon.RunAsync("unbound-host", "-C", withNodefault, "-t", "A", "hello.summoner.test");
        // "hello.summoner.test has address 127.x.0.1"
        string? text = answered.Stdout.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains(" has address ", StringComparison.Ordinal));
        Assert.True(text is not null, $"unbound-host: {answered.Stdout}{answered.Stderr}\n{d.Output}");
        await AssertServedAsync(IPAddress.Parse(text![(text.LastIndexOf(' ') + 1)..]), d);
    }

    private static string WriteUnboundConf(ServeDaemon d, bool nodefault)
    {
        var conf = new StringBuilder();
        conf.Append("server:\n");
        conf.Append("    do-not-query-localhost: no\n"); // Summoner listens on loopback here
        if (nodefault) conf.Append("    local-zone: \"test.\" nodefault\n    domain-insecure: \"summoner.test.\"\n");
        conf.Append("stub-zone:\n");
        conf.Append("    name: \"summoner.test.\"\n");
        conf.Append(CultureInfo.InvariantCulture, $"    stub-addr: 127.0.0.1@{d.DnsPort}\n");
        string path = Path.Combine(d.Directory, nodefault ? "unbound-nodefault.conf" : "unbound.conf");
        File.WriteAllText(path, conf.ToString());
        return path;
    }

    private static async Task AssertServedAsync(IPAddress address, ServeDaemon d)
    {
        var curl = await ServeDaemon.RunAsync("curl", "-s", "-w", "\n%{http_code}", "-m", "10", $"http://{address}:80/");
        Assert.True(curl.Stdout.TrimEnd().EndsWith("200", StringComparison.Ordinal), $"curl http://{address}/: {curl.Stdout}{curl.Stderr}\n{d.Output}");
        Assert.Contains("<h1>hello</h1>", curl.Stdout, StringComparison.Ordinal);
        var logs = await d.SummonerAsync("logs", "hello");
        Assert.Contains("summoner: ready tcp/80", logs.Stdout, StringComparison.Ordinal);
    }

    private static Process StartDnsmasq(int port, int summonerPort)
    {
        // Only what the README shows (forward the zone), plus what keeps a test's dnsmasq to itself:
        // no config file, no /etc/hosts or resolv.conf, loopback only, in the foreground.
        var psi = new ProcessStartInfo("dnsmasq") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[]
        {
            "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--log-facility=-",
            "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1",
            $"--port={port}", $"--server=/summoner.test/127.0.0.1#{summonerPort}",
        }) psi.ArgumentList.Add(a);
        Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dnsmasq");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    // dnsmasq answers REFUSED for names outside the forwarded zone once it listens.
    private static async Task WaitForDnsmasqAsync(Process dnsmasq, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            Assert.False(dnsmasq.HasExited, $"dnsmasq exited ({(dnsmasq.HasExited ? dnsmasq.ExitCode : 0)}) on port {port}");
            var probe = await ServeDaemon.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "example.invalid", "+tries=1", "+time=1");
            if (probe.Stdout.Contains("status:", StringComparison.Ordinal)) return;
            Assert.True(DateTime.UtcNow < deadline, $"dnsmasq did not answer on port {port}: {probe.Stdout}{probe.Stderr}");
            await Task.Delay(100);
        }
    }

}
