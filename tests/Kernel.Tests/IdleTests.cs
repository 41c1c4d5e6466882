using System.Diagnostics;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Kernel.Tests;

[Trait("Category", "qemu")]
public class IdleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3.5);

    [Fact]
    public async Task A_guest_waiting_on_a_timer_uses_under_2_percent_of_a_host_core()
    {
        // The guest sleeps 5 s on one timer. QEMU's CPU time is sampled when the guest says it
        // is waiting and again 3.5 s later, well before it wakes and exits.
        Process? qemu = null;
        Task<(TimeSpan Cpu, TimeSpan Wall)>? sampling = null;
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(120),
            commandLine: "suite=idle idle.ms=5000",
            onStarted: p => qemu = p,
            stopWhen: serial =>
            {
                if (sampling is null && serial.Contains("idle: waiting", StringComparison.Ordinal))
                    sampling = Sample(qemu!);
                return false;
            });
        GuestOutput.AssertAllPassed(run, ["idle.timer"]);
        Assert.NotNull(sampling);
        (TimeSpan cpu, TimeSpan wall) = await sampling!;
        double share = cpu.TotalMilliseconds / wall.TotalMilliseconds;
        output.WriteLine($"QEMU used {cpu.TotalMilliseconds:F0} ms CPU over {wall.TotalMilliseconds:F0} ms of guest idle = {share:P2} of a core; guest interrupts while idle: {GuestOutput.Figure(run, "idle.interrupts")}");
        Assert.True(share < 0.02, $"idle guest used {share:P2} of a host core (limit 2%)");
        Assert.True(GuestOutput.Figure(run, "idle.interrupts") <= 10, "an idle guest should take a handful of timer interrupts, not a periodic tick");
    }

    private static async Task<(TimeSpan Cpu, TimeSpan Wall)> Sample(Process qemu)
    {
        var wall = Stopwatch.StartNew();
        qemu.Refresh();
        TimeSpan start = qemu.TotalProcessorTime;
        await Task.Delay(Window);
        qemu.Refresh();
        TimeSpan end = qemu.HasExited
            ? throw new InvalidOperationException("the guest finished its 5 s wait before the 3.5 s sample: the host is too loaded to measure idle cost")
            : qemu.TotalProcessorTime;
        return (end - start, wall.Elapsed);
    }
}
