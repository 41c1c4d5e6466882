using System.Diagnostics;
using System.Net;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>A daemon killed and started again on the same state directory keeps its guests serving.</summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class RestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    /// <summary>Fetches the guest's page with curl until stopped; counts the fetches that failed.</summary>
    private static async Task<(int Tries, int Failures)> CurlLoopAsync(IPAddress address, CancellationToken stop)
    {
        int tries = 0, failures = 0;
        while (!stop.IsCancellationRequested)
        {
            var r = await ServeDaemon.RunAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", $"http://{address}:80/");
            tries++;
            if (r.Stdout != "200") failures++;
            await Task.Delay(20, CancellationToken.None);
        }
        return (tries, failures);
    }

    [Fact]
    public async Task After_sigkill_a_restart_takes_back_both_ready_guests_without_a_boot_and_a_curl_loop_never_fails()
    {
        ServeDaemon first = await ServeDaemon.StartAsync();
        ServeDaemon? second = null, third = null;
        try
        {
            var hello = await UdpQuery.AAsync(first.DnsPort, "hello.summoner.test", Boot);
            var echo = await UdpQuery.AAsync(first.DnsPort, "echo.summoner.test", Boot);
            Assert.Equal((0, 0), (hello.Rcode, echo.Rcode));
            int[] qemus = [.. first.QemuPids().Order()];
            Assert.Equal(2, qemus.Length);

            using var stopCurl = new CancellationTokenSource();
            Task<(int Tries, int Failures)> curl = CurlLoopAsync(hello.Address!, stopCurl.Token);
            await Task.Delay(300);
            first.Kill();
            await Task.Delay(300);
            second = await ServeDaemon.StartAsync(directory: first.Directory, range: first.RangeOctet, dnsPort: first.DnsPort, metricsPort: first.MetricsPort);

            // Answered at once, with the same guests: nothing boots.
            var sw = Stopwatch.StartNew();
            var hello2 = await UdpQuery.AAsync(second.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(2));
            var echo2 = await UdpQuery.AAsync(second.DnsPort, "echo.summoner.test", TimeSpan.FromSeconds(2));
            output.WriteLine($"both answered {sw.Elapsed.TotalMilliseconds:F0} ms after the restarted daemon served");
            Assert.Equal((0, hello.Address, 0, echo.Address), (hello2.Rcode, hello2.Address, echo2.Rcode, echo2.Address));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"answers took {sw.Elapsed}");
            Assert.Equal(qemus, second.QemuPids().Order());
            Assert.Equal(2, CountOf(second.Output, "took back"));
            Assert.DoesNotContain("create took", second.Output, StringComparison.Ordinal);

            await Task.Delay(500);
            await stopCurl.CancelAsync();
            var (tries, failures) = await curl;
            output.WriteLine($"curl loop across the restart: {tries} fetches, {failures} failed");
            Assert.True(tries >= 5, $"only {tries} fetches");
            Assert.Equal(0, failures);
            string services = await second.ControlGetAsync("/api/services");
            Assert.Contains("\"ready\"", services, StringComparison.Ordinal);

            // The same guests under another instance id (as if another daemon shared this libvirt
            // root): a restart leaves them alone, and so does its shutdown.
            second.Kill();
            await Task.Delay(300);
            await File.WriteAllTextAsync(Path.Combine(first.StateDirectory, "instance-id"), "another-instance\n");
            third = await ServeDaemon.StartAsync(directory: first.Directory, range: first.RangeOctet, dnsPort: first.DnsPort, metricsPort: first.MetricsPort);
            Assert.Equal(2, CountOf(third.Output, "leaving summoner-"));
            Assert.Equal(0, (await UdpQuery.AAsync(third.DnsPort, "echo.summoner.test", Boot)).Rcode);
            Assert.Equal(0, await third.StopAsync());
            Assert.Equal(qemus, ServeDaemon.QemuPidsUnder(first.StateDirectory).Order());
            var stillServing = await ServeDaemon.RunAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", $"http://{hello.Address}:80/");
            Assert.Equal("200", stillServing.Stdout);
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            if (third is not null) await third.DisposeAsync();
        }
    }

    private static int CountOf(string text, string part)
    {
        int n = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
