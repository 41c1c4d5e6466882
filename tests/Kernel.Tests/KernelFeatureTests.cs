using Summoner.Testing;
using Xunit;

namespace Kernel.Tests;

/// <summary>Boots tests/guests/kerneltest (suite=features) and requires every runtime check to pass.</summary>
[Trait("Category", "qemu")]
public class KernelFeatureTests
{
    private static readonly string[] Checks =
    [
        "commandline.raw", "commandline.value", "commandline.flag", "commandline.absent", "commandline.size",
        "dispatch.interface", "dispatch.default-method", "stack.large-frame",
        "clock.monotonic", "clock.calibrated", "clock.since-entry",
        "timers.order", "timers.cancel", "timers.not-early", "timers.pending", "timers.self-rescheduling",
        "eventloop.halts", "eventloop.timer-interrupt", "interrupts.irq",
        "pages.aligned", "pages.zeroed", "pages.distinct", "mmio.access", "pages.accounting",
        "gc.frees-garbage", "gc.statistics",
        "gc.root.static", "gc.root.stack", "gc.root.preinitialized-array", "gc.root.object-field", "gc.root.closure",
        "gc.pinned-not-moved", "gc.struct-array", "gc.large-objects", "gc.large-reclaimed",
    ];

    [Fact]
    public async Task Every_runtime_feature_check_passes_in_the_guest()
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(120),
            commandLine: "suite=features kt.key=value kt.flag kt.size=3M heap=32M");
        GuestOutput.AssertAllPassed(run, Checks);
    }

    [Fact]
    public async Task Clock_agrees_with_the_host_about_elapsed_time()
    {
        // The guest sleeps 2 s by its own clock; the host's stopwatch around the whole boot must
        // have seen at least that, and not wildly more (a miscalibrated TSC would be off by
        // factors; the upper bounds leave room for a loaded host delaying the wake-up).
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(120),
            commandLine: "suite=idle idle.ms=2000");
        GuestOutput.AssertAllPassed(run, ["idle.timer"]);
        long guestMs = GuestOutput.Figure(run, "idle.elapsed");
        Assert.InRange(guestMs, 2000, 4000);
        Assert.InRange(run.Elapsed.TotalMilliseconds, 1900, 20_000);
    }
}
