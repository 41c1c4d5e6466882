using System.Xml.Linq;
using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// Guards the CPU-probe capability mask (<see cref="DomainSpec.CpuProbeMask"/>), a knob libvirt
/// documents for testing only: with and without it the guest must see the same CPU.
/// </summary>
[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class CapabilityMaskTests(EmbeddedHost host) : IDisposable
{
    private readonly string scratch = TestGuests.NewScratchDirectory("capm");

    [Fact]
    public async Task Masking_the_cpu_probe_capability_changes_neither_the_cpuid_the_guest_sees_nor_the_live_cpu_xml()
    {
        var masked = await BootCpuidGuestAsync("capm-on", DomainSpec.CpuProbeMask);
        var plain = await BootCpuidGuestAsync("capm-off", []);

        // Leaves 0, 1, 7, 0xd.1 and the four extended ones: vendor, feature bits, address sizes.
        Assert.Equal(8, plain.Cpuid.Count);
        Assert.Equal(plain.Cpuid, masked.Cpuid);
        Assert.Equal(plain.CpuXml, masked.CpuXml);
        // The mask really reached libvirt (otherwise the comparison above proves nothing).
        Assert.Contains("cpu-unavailable-features", masked.LiveXml, StringComparison.Ordinal);
        Assert.DoesNotContain("cpu-unavailable-features", plain.LiveXml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_capability_name_fails_the_start_with_an_error_naming_it()
    {
        // What a libvirt that renamed the capability would do; LibvirtGuestDriver falls back on this.
        string serial = Path.Combine(scratch, "bogus.serial");
        var spec = TestGuests.Spec(TestGuests.Name("capm-bogus"), TestGuests.HaltingImage(scratch), serial) with { MaskedQemuCapabilities = ["summoner-no-such-capability"] };
        var e = await Assert.ThrowsAsync<LibvirtException>(() => host.Connection.CreateDomainAsync(spec));
        Assert.Contains("'summoner-no-such-capability'", e.Message, StringComparison.Ordinal);
        Assert.Null(host.Connection.FindDomain(spec.Name));
    }

    private async Task<(List<string> Cpuid, string CpuXml, string LiveXml)> BootCpuidGuestAsync(string stem, IReadOnlyList<string> mask)
    {
        string image = Path.Combine(scratch, "cpuid.elf");
        if (!File.Exists(image)) ProbeImage.WriteCpuid(image);
        string serial = Path.Combine(scratch, stem + ".serial");
        var spec = TestGuests.Spec(TestGuests.Name(stem), image, serial) with { MaskedQemuCapabilities = mask };
        using var domain = await host.Connection.CreateDomainAsync(spec);
        try
        {
            // Eight complete lines (leaf.subleaf eax ebx ecx edx, each ended by a newline).
            await TestGuests.WaitForSerialAsync(serial, ProbeImage.CpuidPrefix + "80000008.00000000 ", TimeSpan.FromSeconds(30));
            List<string> cpuid = [];
            for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(20))
            {
                string[] lines = TestGuests.ReadShared(serial).Split('\n');
                cpuid = [.. lines[..^1].Where(l => l.StartsWith(ProbeImage.CpuidPrefix, StringComparison.Ordinal))];
                if (cpuid.Count == 8) break;
            }
            string live = domain.GetXml();
            string cpu = XElement.Parse(live).Element("cpu")?.ToString() ?? "(no <cpu>)";
            return (cpuid, cpu, live);
        }
        finally
        {
            await domain.DestroyAsync();
        }
    }

    public void Dispose() => Directory.Delete(scratch, recursive: true);
}
