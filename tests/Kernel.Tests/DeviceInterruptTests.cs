using Summoner.Testing;
using Xunit;

namespace Kernel.Tests;

/// <summary>
/// A real virtio-mmio device (virtio-rng) completes a request and its interrupt reaches the
/// handler registered with Interrupts.RegisterIrq, on the GSI microvm wires to its slot. These
/// are the facts Kernel.Net's virtio-net driver relies on, pinned per machine configuration.
/// </summary>
[Trait("Category", "qemu")]
public class DeviceInterruptTests
{
    public static TheoryData<string, int, int, bool> Machines => new()
    {
        // extra -machine options, slot, GSI, whether QEMU lists the device on the command line
        { "", 23, 47, false },                          // QemuGuest's default: ACPI on, ioapic2 on
        { "ioapic2=off", 7, 23, false },
        { "acpi=off", 7, 12, true },                    // what libvirt's -no-acpi gives
    };

    [Theory]
    [MemberData(nameof(Machines))]
    public async Task Virtio_mmio_interrupt_arrives_on_the_slots_GSI(string machine, int slot, int gsi, bool listedOnCommandLine)
    {
        var extra = new List<string> { "-device", "virtio-rng-device" };
        if (machine.Length > 0) extra.AddRange(["-machine", machine]);
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(120),
            commandLine: "suite=virtio-irq boot.trace", extraArgs: extra);
        GuestOutput.AssertAllPassed(run, ["virtio.found", "virtio.interrupt", "virtio.data"]);
        Assert.Equal(slot, GuestOutput.Figure(run, "virtio.slot"));
        Assert.Equal(gsi, GuestOutput.Figure(run, "virtio.gsi"));
        string entry = $"virtio_mmio.device=512@0x{0xfeb00000 + slot * 512:x}:{gsi}";
        Assert.Equal(listedOnCommandLine, run.Serial.Contains(entry, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Interrupt_driven_waits_never_lose_a_wakeup()
    {
        // A rate-limited entropy device (10 requests per 5 ms) completes most requests
        // asynchronously, so the guest really halts between them, with a 1 ms periodic timer
        // interleaving its own interrupts. Every wait must end by the device interrupt, not by
        // the 1 s fallback timer.
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(180),
            commandLine: "suite=irq-stress stress.requests=3000",
            extraArgs: ["-object", "rng-random,id=r0,filename=/dev/urandom", "-device", "virtio-rng-device,rng=r0,max-bytes=640,period=5"]);
        GuestOutput.AssertAllPassed(run, ["virtio.found", "stress.no-lost-wakeups", "stress.buffer"]);
        Assert.Equal(3000, GuestOutput.Figure(run, "stress.interrupts"));
        Assert.True(GuestOutput.Figure(run, "stress.ticks") >= 100, "the periodic timer should have fired throughout:\n" + run);
    }
}
