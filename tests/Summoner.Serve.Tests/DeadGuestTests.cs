using System.Diagnostics;
using System.Net;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>An answer never names a guest whose QEMU is gone.</summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class DeadGuestTests(ITestOutputHelper output)
{
    [Fact]
    public async Task After_kill_9_of_a_ready_guests_qemu_no_answer_names_a_guest_that_does_not_serve()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync();
        var first = await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(30));
        Assert.Equal(0, first.Rcode);
        int qemu = Assert.Single(d.QemuPids());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        long goneAt = long.MaxValue; // Stopwatch ticks; queries sent after it are checked
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        int checkedAnswers = 0, failures = 0, before = 0;
        var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();
        async Task LoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                long sent = clock.ElapsedTicks;
                var (rcode, address) = await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(30));
                if (sent < Volatile.Read(ref goneAt)) { Interlocked.Increment(ref before); continue; }
                if (rcode != 0 || address is null) { Interlocked.Increment(ref failures); problems.Enqueue($"rcode {rcode}"); continue; }
                // Whatever the answer names must serve now: the dead guest's address has no listener
                // (a new guest at the same address counts once it really answers).
                try
                {
                    using HttpResponseMessage r = await http.GetAsync(new Uri($"http://{address}:80/"));
                    if (r.StatusCode != HttpStatusCode.OK) throw new HttpRequestException(r.StatusCode.ToString());
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                    problems.Enqueue($"answer {address} sent {(sent - goneAt) * 1000.0 / Stopwatch.Frequency:F1} ms after the QEMU was gone did not serve: {ex.Message}");
                }
                Interlocked.Increment(ref checkedAnswers);
            }
        }
        Task[] loops = [.. Enumerable.Range(0, 3).Select(_ => Task.Run(LoopAsync))];
        await Task.Delay(200);
        // "Gone" is the kernel's word for it: the whole process has exited (its pidfd is readable).
        // Its threads close the forwarded listener a moment before that, in the same exit.
        using var exitWatch = new Summoner.Libvirt.ProcessExitWatch();
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.NotNull(exitWatch.Watch(qemu, () => { Volatile.Write(ref goneAt, clock.ElapsedTicks); gone.SetResult(); }));
        Process.GetProcessById(qemu).Kill();
        await gone.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (Volatile.Read(ref checkedAnswers) < 30 && DateTime.UtcNow < deadline) await Task.Delay(50);
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        output.WriteLine($"{before} answers before the QEMU was gone, {checkedAnswers} after, {failures} failed");
        Assert.True(before > 0, "the loop did not run before the kill");
        Assert.True(checkedAnswers >= 30, $"only {checkedAnswers} answers after the kill\n{d.Output}");
        Assert.True(failures == 0, string.Join('\n', problems) + "\n" + d.Output);
        // Serve saw the death by its first sign: the pidfd ("its QEMU process exited") or libvirt's
        // lifecycle event ("NAME: Stopped/…"), which since run/ is on tmpfs can come first (libvirt no
        // longer waits for disk flushes while it handles the monitor's end). The loop above is what
        // proves no answer named the dead guest either way.
        Assert.Matches(@"libvirt: summoner-hello-\d+ stopped \((its QEMU process exited|summoner-hello-\d+: (Stopped|Crashed)/\d+)\)", d.Output);
    }
}
