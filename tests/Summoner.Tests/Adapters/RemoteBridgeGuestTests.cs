using System.Net;
using System.Xml.Linq;
using Summoner.Adapters;
using Summoner.Egress;
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

    [Fact]
    public void A_bridge_guests_nic_references_the_hosts_filter_and_a_loopback_guests_never_does()
    {
        var network = new RemoteBridgeNetwork("br0", IPAddress.Parse("10.203.1.9"), 24, IPAddress.Parse("10.203.1.1"), "52:54:0a:cb:01:09");
        Assert.Equal(GuestNetworkFilter.Name, Assert.IsType<BridgeNic>(LibvirtGuestDriver.RemoteNicFor(network, GuestNetworkFilter.Name)).Filter);
        Assert.Null(Assert.IsType<BridgeNic>(LibvirtGuestDriver.RemoteNicFor(network)).Filter);
        Assert.IsType<UserNic>(LibvirtGuestDriver.RemoteNicFor(new LoopbackNetwork(IPAddress.Parse("10.202.1.3"), [80]), GuestNetworkFilter.Name));
    }

    [Fact]
    public void The_guest_filter_drops_only_what_the_guest_starts_and_lets_it_answer()
    {
        var filter = XElement.Parse(GuestNetworkFilter.Xml());
        Assert.Equal(("filter", GuestNetworkFilter.Name, "root"), (filter.Name.LocalName, (string?)filter.Attribute("name"), (string?)filter.Attribute("chain")));
        // A fixed UUID: a redefinition under the same name must not look like another filter to libvirt.
        Assert.Equal(filter.Element("uuid")!.Value, XElement.Parse(GuestNetworkFilter.Xml()).Element("uuid")!.Value);
        Assert.True(Guid.TryParse(filter.Element("uuid")!.Value, out _));
        var rules = filter.Elements("rule").Select(r => (
            Action: (string?)r.Attribute("action"), Direction: (string?)r.Attribute("direction"), Priority: (int)r.Attribute("priority")!,
            Protocol: r.Elements().Single().Name.LocalName, State: (string?)r.Elements().Single().Attribute("state"))).ToList();
        // Every rule is about traffic leaving the guest and names its state: libvirt mirrors a state-less rule into
        // the other direction, and a mirrored drop would cut what reaches the guest.
        Assert.All(rules, r => Assert.Equal("out", r.Direction));
        Assert.All(rules, r => Assert.False(string.IsNullOrEmpty(r.State)));
        foreach (string protocol in new[] { "all", "all-ipv6" })
        {
            var accept = Assert.Single(rules, r => r.Protocol == protocol && r.Action == "accept");
            var drop = Assert.Single(rules, r => r.Protocol == protocol && r.Action == "drop");
            Assert.Equal("ESTABLISHED,RELATED", accept.State);
            Assert.Equal("NEW,INVALID", drop.State);
            Assert.True(accept.Priority < drop.Priority, "answers must be accepted before the drop");
        }
        Assert.Equal(4, rules.Count);
        // No layer-2 rule: ARP must pass, or nobody finds the guest.
        Assert.DoesNotContain(rules, r => r.Protocol is "arp" or "rarp" or "mac");
    }
}
