using System.Diagnostics;
using System.Net;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>A daemon killed and started again on the same state directory keeps its guests and serves them again at once.</summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class RestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    /// <summary>Fetches the service's page with curl until stopped; each fetch with the time it started and whether it got 200.</summary>
    private static async Task<List<(DateTime Started, bool Ok)>> CurlLoopAsync(IPAddress address, Action<DateTime> fetched, CancellationToken stop)
    {
        var fetches = new List<(DateTime, bool)>();
        while (!stop.IsCancellationRequested)
        {
            DateTime started = DateTime.UtcNow;
            var r = await ServeDaemon.RunAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", $"http://{address}:80/");
            fetches.Add((started, r.Stdout == "200"));
            fetched(started);
            await Task.Delay(20, CancellationToken.None);
        }
        return fetches;
    }

    [Fact]
    public async Task After_sigkill_a_restart_takes_back_both_ready_guests_without_a_boot_and_a_curl_loop_fails_only_while_no_daemon_runs()
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
            long servingTicks = long.MaxValue;
            // Five fetches that start once the restarted daemon serves, however long a curl takes on this machine.
            var fiveAfter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int after = 0;
            Task<List<(DateTime Started, bool Ok)>> curl = CurlLoopAsync(hello.Address!, started =>
            {
                if (started.Ticks >= Interlocked.Read(ref servingTicks) && Interlocked.Increment(ref after) == 5) fiveAfter.TrySetResult();
            }, stopCurl.Token);
            await Task.Delay(300);
            first.Kill();
            await Task.Delay(300);
            second = await ServeDaemon.StartAsync(directory: first.Directory, range: first.RangeOctet, dnsPort: first.DnsPort, metricsPort: first.MetricsPort);
            DateTime serving = DateTime.UtcNow;
            Interlocked.Exchange(ref servingTicks, serving.Ticks);

            // Answered at once, with the same guests: nothing boots.
            var sw = Stopwatch.StartNew();
            var hello2 = await UdpQuery.AAsync(second.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(2));
            var echo2 = await UdpQuery.AAsync(second.DnsPort, "echo.summoner.test", TimeSpan.FromSeconds(2));
            output.WriteLine($"both answered {sw.Elapsed.TotalMilliseconds:F0} ms after the restarted daemon served");
            Assert.Equal((0, hello.Address, 0, echo.Address), (hello2.Rcode, hello2.Address, echo2.Rcode, echo2.Address));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"answers took {sw.Elapsed}");
            Assert.Equal(qemus, second.QemuPids().Order());
            Assert.Equal(2, CountOf(second.Output, "left running by this summoner's previous run"));
            Assert.DoesNotContain("create took", second.Output, StringComparison.Ordinal);

            await fiveAfter.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await stopCurl.CancelAsync();
            var fetches = await curl;
            // While no daemon runs the keeper holds the door's listeners, so a new connection waits in
            // the backlog (KeeperTests covers that gap); here: from the moment the restarted daemon
            // serves, every fetch must succeed.
            var afterRestart = fetches.Where(f => f.Started >= serving).ToList();
            output.WriteLine($"curl loop across the restart: {fetches.Count} fetches, {fetches.Count(f => !f.Ok)} failed, " +
                $"{afterRestart.Count} after the restarted daemon served with {afterRestart.Count(f => !f.Ok)} failed");
            Assert.True(afterRestart.Count >= 5, $"only {afterRestart.Count} fetches after the restart");
            Assert.All(afterRestart, f => Assert.True(f.Ok, $"a fetch started {f.Started:HH:mm:ss.fff} failed after the restarted daemon served"));
            string services = await second.ControlGetAsync("/api/services");
            Assert.Contains("\"ready\"", services, StringComparison.Ordinal);
            string guestAddress = System.Text.Json.JsonDocument.Parse(services).RootElement.EnumerateArray()
                .First(e => e.GetProperty("name").GetString() == "hello").GetProperty("guestAddress").GetString()!;

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
            // With no daemon (and so no door) left, the guest still serves on its own forward.
            var stillServing = await ServeDaemon.RunAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", $"http://{guestAddress}:80/");
            Assert.Equal("200", stillServing.Stdout);
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            if (third is not null) await third.DisposeAsync();
            ServeDaemon.KillKeepers(first.StateDirectory);
        }
    }

    private static int CountOf(string text, string part)
    {
        int n = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
