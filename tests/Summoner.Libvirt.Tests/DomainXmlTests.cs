using System.Net;
using System.Xml.Linq;
using Xunit;

namespace Summoner.Libvirt.Tests;

[Trait("Category", "unit")]
public sealed class DomainXmlTests : IDisposable
{
    private static readonly XNamespace Qemu = "http://libvirt.org/schemas/domain/qemu/1.0";
    private readonly string dir = TestGuests.NewScratchDirectory("xml");

    private DomainSpec Spec(params NicSpec[] nics) => TestGuests.Spec("web-1", TestGuests.HaltingImage(dir), Path.Combine(dir, "web-1.serial"), nics);

    [Fact]
    public void Microvm_guest_renders_tcg_domain_with_kernel_serial_file_and_no_acpi()
    {
        var x = XElement.Parse(DomainXml.Render(Spec() with { Accelerator = Accelerator.Tcg, KernelCommandLine = "a=1 <b> & 'c'" }));
        Assert.Equal("qemu", (string?)x.Attribute("type"));
        Assert.Equal("web-1", x.Element("name")?.Value);
        Assert.Equal("microvm", (string?)x.Element("os")?.Element("type")?.Attribute("machine"));
        Assert.Equal("a=1 <b> & 'c'", x.Element("os")?.Element("cmdline")?.Value); // escaped by the writer, round-trips intact
        Assert.Null(x.Element("os")?.Element("loader"));
        Assert.Null(x.Element("features")); // no <acpi/>: libvirt passes -no-acpi
        Assert.Equal(Path.Combine(dir, "web-1.serial"), (string?)x.Element("devices")?.Element("serial")?.Element("source")?.Attribute("path"));
        Assert.Equal("destroy", x.Element("on_reboot")?.Value);
    }

    [Fact]
    public void Pty_serial_renders_without_a_path_for_libvirt_console_streams()
    {
        var serial = XElement.Parse(DomainXml.Render(Spec() with { Serial = new SerialConsole.ToPty() })).Element("devices")!.Element("serial")!;
        Assert.Equal("pty", (string?)serial.Attribute("type"));
        Assert.Null(serial.Element("source"));
        Assert.Equal("0", (string?)serial.Element("target")?.Attribute("port"));
    }

    [Fact]
    public void Paths_of_another_host_are_not_checked_here_but_must_still_be_absolute()
    {
        var remote = Spec() with { KernelPath = "/nowhere/on/this/machine.elf", EmulatorPath = "/nowhere/qemu", Serial = new SerialConsole.ToFile("/nowhere/x.serial") };
        Assert.Contains("does not exist", Assert.Throws<DomainSpecException>(() => DomainXml.Render(remote)).Message, StringComparison.Ordinal);
        var x = XElement.Parse(DomainXml.Render(remote with { CheckPathsHere = false }));
        Assert.Equal("/nowhere/on/this/machine.elf", x.Element("os")?.Element("kernel")?.Value);
        Assert.Throws<DomainSpecException>(() => DomainXml.Render(remote with { CheckPathsHere = false, KernelPath = "relative.elf" }));
    }

    [Fact]
    public void Masked_capabilities_render_as_qemu_del_elements_and_bad_names_are_refused()
    {
        Assert.Null(XElement.Parse(DomainXml.Render(Spec())).Element(Qemu + "capabilities"));
        var x = XElement.Parse(DomainXml.Render(Spec() with { MaskedQemuCapabilities = DomainSpec.CpuProbeMask }));
        Assert.Equal(["cpu-unavailable-features"], x.Element(Qemu + "capabilities")!.Elements(Qemu + "del").Select(e => (string?)e.Attribute("capability")));
        var e = Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec() with { MaskedQemuCapabilities = ["CPU'/><x"] }));
        Assert.Contains("lower-case letters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Firmware_files_render_as_fwcfg_sysinfo_entries_by_file_and_bad_names_are_refused()
    {
        string file = Path.Combine(dir, "web-1.env");
        File.WriteAllText(file, "KEY=value");
        var x = XElement.Parse(DomainXml.Render(Spec() with { FirmwareFiles = [new FirmwareFile("opt/summoner/env", file)] }));
        XElement? entry = x.Element("sysinfo")?.Element("entry");
        Assert.Equal("fwcfg", (string?)x.Element("sysinfo")?.Attribute("type"));
        Assert.Equal("opt/summoner/env", (string?)entry?.Attribute("name"));
        Assert.Equal(file, (string?)entry?.Attribute("file"));
        Assert.Equal("", entry?.Value); // by file only: an inline value would reach QEMU's command line
        Assert.Null(XElement.Parse(DomainXml.Render(Spec())).Element("sysinfo"));
        var e = Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec() with { FirmwareFiles = [new FirmwareFile("etc/summoner,x", file)] }));
        Assert.Contains("fw_cfg name 'etc/summoner,x' is not allowed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kvm_accelerator_renders_kvm_domain_type()
    {
        var x = XElement.Parse(DomainXml.Render(Spec() with { Accelerator = Accelerator.Kvm }));
        Assert.Equal("kvm", (string?)x.Attribute("type"));
    }

    [Fact]
    public void Pc_with_qboot_loads_the_qboot_rom_as_firmware()
    {
        var x = XElement.Parse(DomainXml.Render(Spec() with { Machine = MachineKind.PcQboot }));
        Assert.Equal("pc", (string?)x.Element("os")?.Element("type")?.Attribute("machine"));
        var loader = x.Element("os")?.Element("loader");
        Assert.Equal("/usr/share/qemu/qboot.rom", loader?.Value);
        Assert.Equal("rom", (string?)loader?.Attribute("type"));
    }

    [Fact]
    public void Missing_qboot_rom_says_which_package_to_install()
    {
        var e = Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec() with { Machine = MachineKind.PcQboot, QbootRomPath = Path.Combine(dir, "none.rom") }));
        Assert.Contains("apt-get install qemu-system-data", e.Message);
    }

    [Fact]
    public void Bridge_and_tap_nics_on_microvm_sit_on_virtio_mmio()
    {
        var x = XElement.Parse(DomainXml.Render(Spec(
            new BridgeNic("br-sum") { TapName = "uk0", MacAddress = "52:54:00:77:00:02" },
            new TapNic("ukt0"))));
        var nics = x.Element("devices")!.Elements("interface").ToList();
        Assert.Equal(2, nics.Count);
        Assert.Equal("bridge", (string?)nics[0].Attribute("type"));
        Assert.Equal("br-sum", (string?)nics[0].Element("source")?.Attribute("bridge"));
        Assert.Equal("uk0", (string?)nics[0].Element("target")?.Attribute("dev"));
        Assert.Equal("52:54:00:77:00:02", (string?)nics[0].Element("mac")?.Attribute("address"));
        Assert.Equal("ethernet", (string?)nics[1].Attribute("type"));
        Assert.Equal("no", (string?)nics[1].Element("target")?.Attribute("managed"));
        Assert.All(nics, n => Assert.Equal("virtio-mmio", (string?)n.Element("address")?.Attribute("type")));
        Assert.All(nics, n => Assert.Equal("virtio", (string?)n.Element("model")?.Attribute("type")));
    }

    [Fact]
    public void A_bridge_nic_without_a_tap_name_leaves_the_tap_to_libvirt_and_keeps_its_mac()
    {
        // A remote host's bridge: libvirt makes the tap there, so the domain names none.
        var x = XElement.Parse(DomainXml.Render(Spec(new BridgeNic("br0") { MacAddress = "52:54:0a:cb:01:09" })));
        var nic = Assert.Single(x.Element("devices")!.Elements("interface"));
        Assert.Equal("bridge", (string?)nic.Attribute("type"));
        Assert.Equal("br0", (string?)nic.Element("source")?.Attribute("bridge"));
        Assert.Null(nic.Element("target"));
        Assert.Equal("52:54:0a:cb:01:09", (string?)nic.Element("mac")?.Attribute("address"));
        // Only the RTC on the QEMU command line: the network is libvirt's own.
        Assert.Equal(["-machine", "rtc=on"], x.Element(Qemu + "commandline")!.Elements(Qemu + "arg").Select(a => (string?)a.Attribute("value")));
    }

    [Fact]
    public void A_microvm_gets_its_rtc_which_qemu_leaves_out_under_kvm_and_a_pc_is_left_alone()
    {
        foreach (Accelerator accelerator in new[] { Accelerator.Kvm, Accelerator.Tcg })
        {
            var x = XElement.Parse(DomainXml.Render(Spec() with { Accelerator = accelerator }));
            var args = x.Element(Qemu + "commandline")!.Elements(Qemu + "arg").Select(a => (string?)a.Attribute("value")).ToList();
            Assert.Equal(["-machine", "rtc=on"], args);
        }
        // pc always has its RTC (and rtc= is not one of its options).
        Assert.Null(XElement.Parse(DomainXml.Render(Spec() with { Machine = MachineKind.PcQboot })).Element(Qemu + "commandline"));
    }

    [Fact]
    public void A_bridge_nic_with_a_filter_references_it_by_name_and_without_one_has_no_filterref()
    {
        var x = XElement.Parse(DomainXml.Render(Spec(new BridgeNic("br0") { MacAddress = "52:54:0a:cb:01:09", Filter = "summoner-guest" })));
        var nic = Assert.Single(x.Element("devices")!.Elements("interface"));
        var filterRef = Assert.Single(nic.Elements("filterref"));
        Assert.Equal("summoner-guest", (string?)filterRef.Attribute("filter"));
        Assert.Empty(filterRef.Elements()); // no parameters: the filter matches on the tap alone

        var plain = XElement.Parse(DomainXml.Render(Spec(new BridgeNic("br0"))));
        Assert.Null(plain.Element("devices")!.Element("interface")!.Element("filterref"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    [InlineData("x'/><evil")]
    public void A_filter_name_that_is_not_a_plain_name_is_refused(string name)
    {
        var e = Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec(new BridgeNic("br0") { Filter = name })));
        Assert.Contains("network filter name", e.Message);
    }

    [Fact]
    public void User_nic_forwards_go_through_qemu_commandline_as_netdev_user_hostfwd()
    {
        var x = XElement.Parse(DomainXml.Render(Spec(new UserNic
        {
            MacAddress = "52:54:00:12:34:56",
            Forwards = [new PortForward(ForwardProtocol.Tcp, IPAddress.Parse("127.0.0.7"), 18080, 80), new PortForward(ForwardProtocol.Udp, IPAddress.Loopback, 15353, 53)],
        })));
        Assert.Empty(x.Element("devices")!.Elements("interface"));
        var args = x.Element(Qemu + "commandline")!.Elements(Qemu + "arg").Select(a => (string?)a.Attribute("value")).ToList();
        Assert.Equal(
            ["-machine", "rtc=on",
             "-netdev", "user,id=usernet0,restrict=on,hostfwd=tcp:127.0.0.7:18080-:80,hostfwd=udp:127.0.0.1:15353-:53",
             "-device", "virtio-net-device,netdev=usernet0,mac=52:54:00:12:34:56"],
            args);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    public void Port_forward_on_a_non_loopback_or_ipv6_address_is_rejected(string address)
    {
        var e = Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec(new UserNic
        {
            Forwards = [new PortForward(ForwardProtocol.Tcp, IPAddress.Parse(address), 8080, 80)],
        })));
        Assert.Contains("loopback", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("a b")]
    [InlineData("x'><devices/>")]
    [InlineData("-leading-dash")]
    public void Unsafe_domain_names_are_rejected_with_the_allowed_alphabet(string name)
    {
        var e = Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec() with { Name = name }));
        Assert.Contains("letters, digits", e.Message);
    }

    [Theory]
    [InlineData("relative/kernel.elf")]
    [InlineData("/tmp/../etc/passwd")]
    [InlineData("/tmp/a\nb")]
    public void Kernel_path_must_be_absolute_and_normalised(string path)
    {
        Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec() with { KernelPath = path }));
    }

    [Fact]
    public void Missing_kernel_image_says_to_build_it()
    {
        var e = Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec() with { KernelPath = Path.Combine(dir, "absent.elf") }));
        Assert.Contains("./summoner build", e.Message);
    }

    [Theory]
    [InlineData("br0;rm")]
    [InlineData("name-longer-than-15")]
    [InlineData("a/b")]
    public void Interface_names_must_be_valid_linux_names(string name)
    {
        Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec(new BridgeNic(name))));
        Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec(new TapNic(name))));
    }

    [Theory]
    [InlineData("52:54:00:12:34")]
    [InlineData("01:00:5e:00:00:01")]
    [InlineData("52:54:00:12:34:5G")]
    public void Invalid_or_multicast_mac_is_rejected(string mac)
    {
        Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec(new TapNic("ukt0") { MacAddress = mac })));
    }

    [Fact]
    public void Forwarding_one_host_port_twice_is_rejected()
    {
        var fwd = new PortForward(ForwardProtocol.Tcp, IPAddress.Loopback, 8080, 80);
        Assert.Throws<DomainSpecException>(() => DomainXml.Render(Spec(new UserNic { Forwards = [fwd, fwd with { GuestPort = 81 }] })));
    }

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
