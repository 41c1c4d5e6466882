using Summoner.Testing;
using Xunit;

namespace Kernel.Tests;

/// <summary>
/// The guest's date from QEMU's CMOS clock (tests/guests/kerneltest, suite=rtc), checked against
/// the host's clock read around the boot; and the answer on a machine without one.
/// </summary>
[Trait("Category", "qemu")]
public class RealTimeClockTests
{
    [Fact]
    public async Task The_guest_reads_the_hosts_date_from_the_rtc_and_its_wall_clock_carries_it_forward()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(120),
            commandLine: "suite=rtc", extraArgs: ["-machine", "rtc=on"]);
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        GuestOutput.AssertAllPassed(run, ["rtc.read", "rtc.past-midnight", "wallclock.read", "wallclock.advances"]);
        // The RTC counts whole seconds: its reading lies within the host's, one second of slack either side.
        Assert.InRange(GuestOutput.Figure(run, "rtc.unix"), before - 1, after + 1);
        Assert.InRange(GuestOutput.Figure(run, "wallclock.unix"), before, after + 1);
    }

    [Fact]
    public async Task Without_an_rtc_the_guest_says_it_does_not_know_the_date()
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(120),
            commandLine: "suite=rtc rtc.expect=absent"); // QemuGuest's machine has rtc=off
        GuestOutput.AssertAllPassed(run, ["rtc.absent"]);
    }
}
