using Xunit;
using Xunit.Abstractions;

namespace Summoner.Libvirt.Tests;

[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class AcceleratorProbeTests(EmbeddedHost host, ITestOutputHelper output) : IDisposable
{
    private readonly string work = TestGuests.NewScratchDirectory("accel");

    [Fact]
    public async Task Probe_boot_picks_kvm_only_where_kvm_runs_ring0_sse_and_explains_why()
    {
        var decision = await AcceleratorProbe.DecideAsync(host.Connection, work);
        output.WriteLine($"{decision.Accelerator} in {decision.ProbeTime.TotalMilliseconds:F0} ms: {decision.Reason}");
        var expected = Summoner.Testing.Accelerator.HardwareKvm ? Accelerator.Kvm : Accelerator.Tcg;
        Assert.Equal(expected, decision.Accelerator);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
        if (Directory.Exists("/sys/module/kvm_pvm") && File.Exists("/dev/kvm"))
            Assert.Contains("kvm_pvm", decision.Reason);
        Assert.Same(decision, await AcceleratorProbe.DecideAsync(host.Connection, work)); // decided once
        Assert.Empty(TestGuests.QemuProcessesMentioning("guest=summoner-probe"));

        // Another start on the same host reads the record instead of booting probes again...
        string again = TestGuests.NewScratchDirectory("accel2");
        try
        {
            File.Copy(Path.Combine(work, "accelerator-decision.txt"), Path.Combine(again, "accelerator-decision.txt"));
            var recorded = await AcceleratorProbe.DecideAsync(host.Connection, again);
            Assert.Equal(decision.Accelerator, recorded.Accelerator);
            Assert.Equal(TimeSpan.Zero, recorded.ProbeTime);
            Assert.Contains("recorded in", recorded.Reason);
            Assert.False(File.Exists(Path.Combine(again, "accelerator-probe.elf")), "no probe should have been booted");
        }
        finally
        {
            Directory.Delete(again, recursive: true);
        }
    }

    [Fact]
    public async Task A_record_from_a_host_that_looked_different_is_ignored_and_the_probe_runs()
    {
        string stale = TestGuests.NewScratchDirectory("accel3");
        try
        {
            File.WriteAllLines(Path.Combine(stale, "accelerator-decision.txt"), ["uri=elsewhere kernel=0.0", "Kvm", "made up", "2020-01-01"]);
            var decision = await AcceleratorProbe.DecideAsync(host.Connection, stale);
            Assert.Equal(Summoner.Testing.Accelerator.HardwareKvm ? Accelerator.Kvm : Accelerator.Tcg, decision.Accelerator);
            Assert.True(decision.ProbeTime > TimeSpan.Zero);
            Assert.DoesNotContain("made up", decision.Reason);
        }
        finally
        {
            Directory.Delete(stale, recursive: true);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
    }
}
