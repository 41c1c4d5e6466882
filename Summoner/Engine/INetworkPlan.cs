using System.Globalization;
using System.Net;

namespace Summoner.Engine;

/// <summary>Gives each guest its network attachment and the matching kernel command-line keys.</summary>
public interface INetworkPlan
{
    GuestNetwork Allocate(ServiceSpec service, string guestName);

    void Release(GuestNetwork network);

    /// <summary>Marks an attachment made by an earlier run as in use (a guest taken back after a
    /// restart); false when it is not this plan's or already taken.</summary>
    bool TryClaim(GuestNetwork network);

    /// <summary>Keeps an address from every guest for good (a service address a reload added: the door's).</summary>
    void Reserve(IPAddress address);

    /// <summary>Kernel.Net's configuration keys for this attachment (see README "Guest command line").</summary>
    string GuestCommandLine(GuestNetwork network, ServiceSpec service);
}

/// <summary>
/// The default mode: every guest gets its own loopback address from a range, and QEMU user
/// networking forwards the service's ports there, so nothing needs root networking. Per guest,
/// not per service, because warm-pool members of one service run side by side and two QEMUs
/// cannot forward the same address and port.
/// </summary>
public sealed class LoopbackNetworkPlan : INetworkPlan
{
    private readonly uint _first;
    private readonly uint _count;
    private readonly HashSet<uint> _used = [];
    private readonly Dictionary<string, uint> _preferred = new(StringComparer.Ordinal);
    private readonly HashSet<uint> _reserved = [];
    private uint _next;

    /// <param name="first">First address of the range handed out.</param>
    /// <param name="count">How many consecutive addresses the range holds.</param>
    /// <param name="preferred">A service's own address (from the config): its guest gets it when it is
    /// free, so a service keeps one address across summons; a second guest of the same service
    /// (warm pool) takes one from the range, never another service's.</param>
    /// <param name="reserved">Addresses no guest gets (the door's public service addresses).</param>
    /// <param name="anyRange">The range is another host's ([[host]] address_range, routed to it), not this machine's loopback.</param>
    public LoopbackNetworkPlan(IPAddress first, int count, IReadOnlyDictionary<string, IPAddress>? preferred = null, IEnumerable<IPAddress>? reserved = null, bool anyRange = false)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (first.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || (!anyRange && (Ipv4.ToUInt32(first) & 0xff000000) != 0x7f000000))
            throw new ArgumentException($"loopback network addresses must be in 127.0.0.0/8, not {first}", nameof(first));
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _first = Ipv4.ToUInt32(first);
        _count = (uint)count;
        if (!anyRange && (_first & 0xff000000) != ((_first + _count - 1) & 0xff000000))
            throw new ArgumentException($"{count} addresses from {first} leave 127.0.0.0/8", nameof(count));
        foreach (var (service, address) in preferred ?? new Dictionary<string, IPAddress>())
        {
            uint v = Ipv4.ToUInt32(address);
            if ((v & 0xff000000) != 0x7f000000)
                throw new ArgumentException($"service {service}: loopback mode needs a 127.0.0.0/8 address, not {address}", nameof(preferred));
            _preferred[service] = v;
            _reserved.Add(v);
        }
        foreach (IPAddress address in reserved ?? []) _reserved.Add(Ipv4.ToUInt32(address));
    }


    public GuestNetwork Allocate(ServiceSpec service, string guestName)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_used)
        {
            if (_preferred.TryGetValue(service.Name, out uint own) && _used.Add(own))
                return new LoopbackNetwork(Ipv4.FromUInt32(own), service.ForwardedPorts) { UdpPorts = service.UdpPorts };
            for (uint tried = 0; tried < _count; tried++)
            {
                uint v = _first + (_next++ % _count);
                if (!_reserved.Contains(v) && _used.Add(v))
                    return new LoopbackNetwork(Ipv4.FromUInt32(v), service.ForwardedPorts) { UdpPorts = service.UdpPorts };
            }
        }
        throw new InvalidOperationException($"all {_count} guest addresses are in use: widen [network] loopback_range (or the host's address_range)");
    }

    public void Release(GuestNetwork network)
    {
        if (network is not LoopbackNetwork l) return;
        lock (_used) _used.Remove(Ipv4.ToUInt32(l.HostAddress));
    }

    public void Reserve(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_used) _reserved.Add(Ipv4.ToUInt32(address));
    }

    public bool TryClaim(GuestNetwork network)
    {
        if (network is not LoopbackNetwork l) return false;
        uint v = Ipv4.ToUInt32(l.HostAddress);
        lock (_used) return ((v >= _first && v - _first < _count) || _reserved.Contains(v)) && _used.Add(v);
    }

    // QEMU's user network gives the guest 10.0.2.15 behind the gateway 10.0.2.2.
    public string GuestCommandLine(GuestNetwork network, ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return "ip=10.0.2.15/24 gw=10.0.2.2 " + PortKeys(service) + TunnelKey(service) + GuestSeed.Next();
    }

    /// <summary><c>udp_tunnel=</c> for a service with UDP ports: slirp under restrict=on drops what a
    /// guest sends over UDP, so the door carries its datagrams over this forwarded TCP port (bridge
    /// mode's guests get real UDP).</summary>
    public static string TunnelKey(ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.UdpPorts.Count > 0 ? "udp_tunnel=" + Kernel.Net.App.UdpTunnelFrame.DefaultPort.ToString(CultureInfo.InvariantCulture) + " " : "";
    }

    /// <summary>
    /// <c>port=80,443</c> for the TCP ports (left out when there are none, so an app's own default
    /// is not replaced by an empty list), <c>udp=53</c> for the UDP ports and <c>egress_port=</c> for a
    /// service with egress (the guest then listens for Summoner's broker there), each followed by a space.
    /// </summary>
    public static string PortKeys(ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        static string Join(IReadOnlyList<int> ports) => string.Join(',', ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        return (service.Ports.Count > 0 ? "port=" + Join(service.Ports) + " " : "")
            + (service.UdpPorts.Count > 0 ? "udp=" + Join(service.UdpPorts) + " " : "")
            + (service.Egress.Count > 0 ? "egress_port=" + ServiceSpec.EgressPort.ToString(CultureInfo.InvariantCulture) + " " : "");
    }
}
