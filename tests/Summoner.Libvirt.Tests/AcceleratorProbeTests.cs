using Xunit;
using Xunit.Abstractions;

namespace Summoner.Libvirt.Tests;

[Collection("libvirt")]
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
    }

    public void Dispose()
    {
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
    }
}
