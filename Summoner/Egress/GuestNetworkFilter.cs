using System.Xml.Linq;

namespace Summoner.Egress;

/// <summary>
/// <see cref="BridgeFirewall"/>'s counterpart for a [[host]] with network = "bridge": that host runs nothing
/// of Summoner's but libvirtd, so the same policy is handed to libvirt's nwfilter driver there, which puts it
/// into iptables/ip6tables for each guest's tap while the guest runs. A guest may answer what others open to
/// it (the door's relayed clients and readiness probe, the egress broker's control channel and reverse
/// connections, which the broker opens towards the guest, and UDP flows the door starts) and send ICMP errors
/// about them; anything it starts itself (a TCP connection, a datagram, a ping) is dropped, so its only way
/// out is the broker. Traffic to the guest is left alone, as locally.
/// <para>
/// In nwfilter, direction 'out' is traffic leaving the guest. A rule with an explicit state is instantiated
/// only in that direction (libvirt mirrors state-less rules into the reverse direction, which for a drop would
/// also cut traffic to the guest), so both rules carry one. ARP is a layer-2 protocol the filter does not
/// touch (ebtables keeps its accept policy), which the guest needs to be reachable at all; it gets no DHCP
/// (its address is on the kernel command line), and the filter names no address of the guest, so one filter
/// serves every guest and host.
/// </para>
/// </summary>
public static class GuestNetworkFilter
{
    /// <summary>The filter's name on every host; each remote bridge guest's NIC references it.</summary>
    public const string Name = "summoner-guest";

    // Fixed: libvirt refuses to redefine a filter name under another UUID, and a define without one gets a random UUID.
    private const string Uuid = "5c1d6e9a-3f0b-4c55-9a8e-7b2d4e61c0a5";

    /// <summary>The filter's XML, as <see cref="Libvirt.LibvirtConnection.DefineNetworkFilter"/> takes it.</summary>
    public static string Xml() =>
        new XElement("filter", new XAttribute("name", Name), new XAttribute("chain", "root"),
            new XElement("uuid", Uuid),
            Rule("accept", 100, "all", "ESTABLISHED,RELATED"),
            Rule("accept", 100, "all-ipv6", "ESTABLISHED,RELATED"),
            // NEW and INVALID is everything else conntrack can say about a packet the guest sends.
            Rule("drop", 200, "all", "NEW,INVALID"),
            Rule("drop", 200, "all-ipv6", "NEW,INVALID")).ToString();

    private static XElement Rule(string action, int priority, string protocol, string state) =>
        new("rule", new XAttribute("action", action), new XAttribute("direction", "out"), new XAttribute("priority", priority),
            new XElement(protocol, new XAttribute("state", state)));
}
