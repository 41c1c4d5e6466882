using System.Net;
using Summoner.Adapters;
using Summoner.Engine;
using Summoner.Libvirt;

namespace Summoner.Tests.Adapters;

/// <summary>A guest on a remote [[host]]'s bridge: its address plan, its NIC and what serve reads back after a restart.</summary>
[Trait("Category", "unit")]
public sealed class RemoteBridgeGuestTests
{
    private static readonly ServiceSpec Hello = new("hello", ["hello.test"], "/nonexistent.elf", [80], 32, 1, "", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));

    [Fact]
    public void Guests_get_addresses_of_the_routed_subnet_never_its_gateway_network_or_broadcast_and_the_mac_carries_the_address()
    {
        var plan = new BridgeNetworkPlan("br0", null, IPNetwork.Parse("10.203.1.0/29"), IPAddress.Parse("10.203.1.1"), remote: true);
        var taken = new List<RemoteBridgeNetwork>();
        for (int i = 0; i < 5; i++) taken.Add(Assert.IsType<RemoteBridgeNetwork>(plan.Allocate(Hello, "g" + i)));
        Assert.Equal(["10.203.1.2", "10.203.1.3", "10.203.1.4", "10.203.1.5", "10.203.1.6"], taken.Select(n => n.GuestAddress.ToString()).Order());
        Assert.Throws<InvalidOperationException>(() => plan.Allocate(Hello, "g6"));
        RemoteBridgeNetwork first = taken.Single(n => n.GuestAddress.Equals(IPAddress.Parse("10.203.1.5")));
        Assert.Equal(("br0", 29, IPAddress.Parse("10.203.1.1"), "52:54:0a:cb:01:05"), (first.Bridge, first.PrefixLength, first.Gateway, first.MacAddress));
        Assert.StartsWith("ip=10.203.1.5/29 gw=10.203.1.1 port=80 ", plan.GuestCommandLine(first, Hello), StringComparison.Ordinal);
        plan.Release(first);
        Assert.Equal(first.GuestAddress, plan.Allocate(Hello, "g7").ServiceAddress);
    }

    [Fact]
    public void A_remote_plan_takes_back_only_its_own_bridges_guests_and_never_a_local_tap()
    {
        var subnet = IPNetwork.Parse("10.203.2.0/24");
        var gateway = IPAddress.Parse("10.203.2.1");
        var remote = new BridgeNetworkPlan("br0", null, subnet, gateway, remote: true);
        var local = new BridgeNetworkPlan("br0", null, subnet, gateway);
        var there = new RemoteBridgeNetwork("br0", IPAddress.Parse("10.203.2.40"), 24, gateway, "52:54:0a:cb:02:28");
        var here = new BridgeNetwork("br0", null, IPAddress.Parse("10.203.2.41"), 24, gateway, "52:54:0a:cb:02:29", "smt1-229");
        Assert.False(remote.TryClaim(here));
        Assert.False(local.TryClaim(there));
        Assert.False(remote.TryClaim(there with { Bridge = "br1" }));
        Assert.True(remote.TryClaim(there));
        Assert.False(remote.TryClaim(there));
    }

    [Fact]
    public void The_domain_gets_a_bridge_interface_libvirt_attaches_there_and_its_metadata_brings_the_network_back()
    {
        var network = new RemoteBridgeNetwork("br0", IPAddress.Parse("10.203.1.9"), 24, IPAddress.Parse("10.203.1.1"), "52:54:0a:cb:01:09");
        var nic = Assert.IsType<BridgeNic>(LibvirtGuestDriver.RemoteNicFor(network));
        // No tap name: Summoner makes no tap on that host, libvirt does.
        Assert.Equal(("br0", null, "52:54:0a:cb:01:09"), (nic.Bridge, nic.TapName, nic.MacAddress));
        Assert.IsType<UserNic>(LibvirtGuestDriver.RemoteNicFor(new LoopbackNetwork(IPAddress.Parse("10.202.1.3"), [80])));
        Assert.Throws<ArgumentException>(() => LibvirtGuestDriver.RemoteNicFor(new BridgeNetwork("br0", null, network.GuestAddress, 24, network.Gateway, network.MacAddress, "smt1")));

        var launch = new GuestLaunch("summoner-hello-1", "/nonexistent.elf", "", 32, 1, network) { Ownership = new GuestOwnership("i", "hello", "f") };
        string xml = DomainXml.Render(new DomainSpec
        {
            Name = launch.GuestName,
            KernelPath = "/pool/hello.elf",
            Serial = new SerialConsole.ToPty(),
            Nics = [nic],
            Metadata = GuestMetadata.Of(launch),
            CheckPathsHere = false,
        });
        Assert.Contains("<source bridge=\"br0\" />", xml, StringComparison.Ordinal);
        Assert.Equal(network, GuestMetadata.Read(xml).Network);
    }
}
