using Summoner.Config;
using Summoner.Engine;
using Summoner.Adapters;
using Summoner.Serve;

namespace Summoner.Tests.Config;

/// <summary>"53/udp" entries in ports and ready_ports: what they load to, what the guest and QEMU are given, and located errors.</summary>
[Trait("Category", "unit")]
public sealed class UdpPortsConfigTests
{
    private const string File = "/srv/sum/udp.toml";

    private static string Service(string ports) => $"[[service]]\nname = \"dns\"\nimage = \"dns\"\nports = {ports}\n";

    private static ServiceConfig Load(string text) => Assert.Single(SummonerConfig.Parse(text, File).Services);

    private static ConfigError SingleError(string text)
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(text, File));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void A_bare_integer_is_tcp_and_a_protocol_string_names_its_protocol()
    {
        ServiceConfig s = Load(Service("[80, \"53/udp\", \"7/tcp\", \"53/tcp\", \"5353/udp\"]"));
        Assert.Equal([80, 7, 53], s.Ports);
        Assert.Equal([53, 5353], s.UdpPorts);
        Assert.Equal([80, 7, 53], s.ReadyPorts);
        Assert.Equal([53, 5353], s.ReadyUdpPorts);
        Assert.Equal("80,7,53,53/udp,5353/udp", s.PortList);
    }

    [Fact]
    public void A_service_with_only_udp_ports_loads_and_waits_for_them()
    {
        ServiceConfig s = Load(Service("[\"53/udp\"]"));
        Assert.Empty(s.Ports);
        Assert.Equal([53], s.UdpPorts);
        ServiceSpec spec = EngineSetup.ToSpec(s);
        Assert.Empty(spec.ProbePorts);
        Assert.Equal([53], spec.ProbeUdpPorts);
    }

    [Fact]
    public void Ready_ports_may_name_udp_ports_and_then_only_the_named_ones_are_awaited()
    {
        ServiceConfig s = Load(Service("[80, \"53/udp\", \"54/udp\"]") + "ready_ports = [\"53/udp\"]\n");
        Assert.Empty(s.ReadyPorts);
        Assert.Equal([53], s.ReadyUdpPorts);
        ServiceSpec spec = EngineSetup.ToSpec(s);
        Assert.Empty(spec.ProbePorts);
        Assert.Equal([53], spec.ProbeUdpPorts);

        ServiceSpec tcpOnly = EngineSetup.ToSpec(Load(Service("[80, \"53/udp\"]") + "ready_ports = [80]\n"));
        Assert.Equal([80], tcpOnly.ProbePorts);
        Assert.Empty(tcpOnly.ProbeUdpPorts);
    }

    [Fact]
    public void The_guest_command_line_gets_udp_ports_beside_tcp_ports_and_tcp_only_services_are_unchanged()
    {
        string Keys(string ports) => LoopbackNetworkPlan.PortKeys(EngineSetup.ToSpec(Load(Service(ports))));
        Assert.Equal("port=80,443 ", Keys("[80, 443]"));
        Assert.Equal("port=80 udp=53,5353 ", Keys("[80, \"53/udp\", \"5353/udp\"]"));
        Assert.Equal("udp=53 ", Keys("[\"53/udp\"]"));

        var plan = new LoopbackNetworkPlan(System.Net.IPAddress.Parse("127.77.3.1"), 4);
        ServiceSpec spec = EngineSetup.ToSpec(Load(Service("[7, \"7/udp\"]")));
        var network = (LoopbackNetwork)plan.Allocate(spec, "g");
        Assert.Equal([7], network.Ports);
        Assert.Equal([7], network.UdpPorts);
        // Loopback mode carries the datagrams over a TCP tunnel: the guest learns its port.
        Assert.StartsWith("ip=10.0.2.15/24 gw=10.0.2.2 port=7 udp=7 udp_tunnel=65001 seed=", plan.GuestCommandLine(network, spec), StringComparison.Ordinal);
        ServiceSpec tcpOnly = EngineSetup.ToSpec(Load(Service("[7]")));
        Assert.DoesNotContain("udp_tunnel", plan.GuestCommandLine(plan.Allocate(tcpOnly, "h"), tcpOnly), StringComparison.Ordinal);
    }

    [Fact]
    public void Udp_ports_change_the_fingerprint_so_a_taken_back_guest_matches_its_definition()
    {
        ServiceSpec tcp = EngineSetup.ToSpec(Load(Service("[53]")));
        ServiceSpec both = EngineSetup.ToSpec(Load(Service("[53, \"53/udp\"]")));
        Assert.NotEqual(tcp.Fingerprint(), both.Fingerprint());
    }

    [Theory]
    [InlineData("[\"53/sctp\"]", 4, 10, "ports[0] in [[service]] 'dns' has unknown protocol 'sctp': write \"53/tcp\" or \"53/udp\"")]
    [InlineData("[80, \"0/udp\"]", 4, 14, "port \"0/udp\" in [[service]] 'dns' is out of range: ports are 1-65535")]
    [InlineData("[80, \"65536/udp\"]", 4, 14, "port \"65536/udp\" in [[service]] 'dns' is out of range: ports are 1-65535")]
    [InlineData("[\"53/udp\", \"53/udp\"]", 4, 20, "port 53/udp is listed twice in [[service]] 'dns'")]
    [InlineData("[80, \"80/tcp\"]", 4, 14, "port 80 is listed twice in [[service]] 'dns'")]
    [InlineData("[\"udp/53\"]", 4, 10, "ports[0] in [[service]] 'dns' is \"udp/53\", not a port: write 80 (TCP), \"80/tcp\" or \"53/udp\"")]
    [InlineData("[\"53/UDP\"]", 4, 10, "ports[0] in [[service]] 'dns' has unknown protocol 'UDP': write \"53/tcp\" or \"53/udp\"")]
    [InlineData("[80, true]", 4, 14, "ports[1] in [[service]] 'dns' must be a port (80, \"80/tcp\" or \"53/udp\"), not a boolean")]
    [InlineData("[]", 4, 9, "ports in [[service]] 'dns' is empty: list the port(s) the guest listens on, e.g. [80] or [\"53/udp\"]")]
    public void Bad_port_entries_are_errors_at_the_entry(string ports, int line, int column, string message)
    {
        ConfigError e = SingleError(Service(ports));
        Assert.Equal((File, line, column, message), (e.File, e.Line, e.Column, e.Message));
    }

    [Theory]
    [InlineData("[\"53/udp\"]", 5, 16, "ready_ports in [[service]] 'dns' lists 53/udp, which is not in its ports [53, 80, \"5353/udp\"]")]
    [InlineData("[\"5353\"]", 5, 16, "ready_ports[0] in [[service]] 'dns' is the string \"5353\": write 5353 for TCP or \"5353/udp\" for UDP")]
    [InlineData("[5353]", 5, 16, "ready_ports in [[service]] 'dns' lists 5353, which is not in its ports [53, 80, \"5353/udp\"]")]
    public void Bad_ready_ports_are_errors_at_the_entry(string ready, int line, int column, string message)
    {
        ConfigError e = SingleError(Service("[53, 80, \"5353/udp\"]") + $"ready_ports = {ready}\n");
        Assert.Equal((File, line, column, message), (e.File, e.Line, e.Column, e.Message));
    }

    [Fact]
    public void The_env_key_udp_is_reserved_because_summoner_sets_it_from_ports()
    {
        Assert.NotNull(Summoner.Config.ServiceEnvironment.CheckKey("udp_tunnel"));
        ConfigError e = SingleError(Service("[\"53/udp\"]") + "[service.env]\nudp = \"54\"\n");
        Assert.Equal((6, 1), (e.Line, e.Column));
        Assert.Contains("is set by Summoner itself from ports = [...]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loopback_guest_with_udp_ports_gets_one_tcp_tunnel_forward_no_udp_forward_and_restrict_on_and_its_metadata_keeps_them()
    {
        var address = System.Net.IPAddress.Parse("127.77.9.2");
        var both = new LoopbackNetwork(address, [80]) { UdpPorts = [53, 5353] };
        var nic = Assert.IsType<Summoner.Libvirt.UserNic>(LibvirtGuestDriver.NicFor(both));
        Assert.False(nic.AllowOutbound);
        Assert.Equal(["Tcp 80 80", "Tcp 65001 65001"], nic.Forwards.Select(f => $"{f.Protocol} {f.HostPort} {f.GuestPort}"));
        Assert.False(Assert.IsType<Summoner.Libvirt.UserNic>(LibvirtGuestDriver.NicFor(new LoopbackNetwork(address, [80]))).AllowOutbound);

        var launch = new GuestLaunch("summoner-dns-1", Summoner.Testing.RepoPaths.Image("nettest"), "", 32, 1, both) { Ownership = new GuestOwnership("i", "dns", "f") };
        string xml = Summoner.Libvirt.DomainXml.Render(new Summoner.Libvirt.DomainSpec
        {
            Name = launch.GuestName,
            KernelPath = launch.ImagePath,
            Serial = new Summoner.Libvirt.SerialConsole.ToFile("/c.log"),
            Nics = [nic],
            Metadata = GuestMetadata.Of(launch),
        });
        Assert.Contains("hostfwd=tcp:127.77.9.2:65001-:65001", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("hostfwd=udp", xml, StringComparison.Ordinal);
        Assert.Contains("restrict=on", xml, StringComparison.Ordinal);
        var taken = Assert.IsType<LoopbackNetwork>(GuestMetadata.Read(xml).Network);
        Assert.Equal([80], taken.Ports);
        Assert.Equal([53, 5353], taken.UdpPorts);
    }
}
