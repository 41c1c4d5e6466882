using System.Diagnostics;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Kernel.Tests;

public class IdleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_guest_waiting_on_a_timer_uses_under_2_percent_of_a_host_core()
    {
        Process? qemu = null;
        TimeSpan? cpuAtWait = null, cpuAtDone = null;
        var wall = new Stopwatch();
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(120),
            commandLine: "suite=idle idle.ms=4000",
            onStarted: p => qemu = p,
            stopWhen: serial =>
            {
                // Sample QEMU's CPU time when the guest starts waiting and when it wakes.
                if (cpuAtWait is null && serial.Contains("idle: waiting", StringComparison.Ordinal))
                {
                    qemu!.Refresh();
                    cpuAtWait = qemu.TotalProcessorTime;
                    wall.Start();
                }
                if (cpuAtDone is null && serial.Contains("idle: done", StringComparison.Ordinal))
                {
                    qemu!.Refresh();
                    cpuAtDone = qemu.TotalProcessorTime;
                    wall.Stop();
                }
                return false;
            });
        GuestOutput.AssertAllPassed(run, ["idle.timer"]);
        Assert.NotNull(cpuAtWait);
        Assert.NotNull(cpuAtDone);
        double share = (cpuAtDone!.Value - cpuAtWait!.Value).TotalMilliseconds / wall.Elapsed.TotalMilliseconds;
        output.WriteLine($"QEMU used {(cpuAtDone.Value - cpuAtWait.Value).TotalMilliseconds:F0} ms CPU over {wall.Elapsed.TotalMilliseconds:F0} ms idle (guest clock: {GuestOutput.Figure(run, "idle.elapsed")} ms) = {share:P2} of a core; guest interrupts while idle: {GuestOutput.Figure(run, "idle.interrupts")}");
        Assert.True(wall.Elapsed.TotalMilliseconds >= 3500, $"the idle phase lasted only {wall.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(share < 0.02, $"idle guest used {share:P2} of a host core (limit 2%)");
        Assert.True(GuestOutput.Figure(run, "idle.interrupts") <= 10, "an idle guest should take a handful of timer interrupts, not a periodic tick");
    }
}
