using System.Globalization;
using System.Net;

namespace Summoner.Engine;

/// <summary>
/// Bridge mode: every guest gets its own address on the bridge's subnet (never the network,
/// gateway or broadcast address, never one in use), a MAC derived from that address and a tap
/// (this machine's), or a <see cref="RemoteBridgeNetwork"/> on a [[host]]'s bridge, whose tap libvirt makes there.
/// </summary>
public sealed class BridgeNetworkPlan : INetworkPlan
{
    private readonly string _bridge;
    private readonly string? _netns;
    private readonly IPNetwork _subnet;
    private readonly IPAddress _gateway;
    private readonly uint _base;
    private readonly uint _size;
    private readonly HashSet<uint> _used = [];
    private readonly bool _remote;
    private uint _next = 1;
    private int _tapSequence;

    /// <param name="reserved">Addresses no guest gets (the door's service addresses).</param>
    /// <param name="remote">The bridge is on another host, reached through its libvirt connection only.</param>
    public BridgeNetworkPlan(string bridge, string? netns, IPNetwork subnet, IPAddress gateway, IEnumerable<IPAddress>? reserved = null, bool remote = false)
    {
        if (remote && netns is not null) throw new ArgumentException("a remote host's bridge is in that host's namespace: Summoner names none there", nameof(netns));
        _remote = remote;
        ArgumentException.ThrowIfNullOrEmpty(bridge);
        ArgumentNullException.ThrowIfNull(gateway);
        if (subnet.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || subnet.PrefixLength > 30)
            throw new ArgumentException($"bridge subnet {subnet} must be IPv4 with room for guests (/30 or wider)", nameof(subnet));
        _bridge = bridge;
        _netns = netns;
        _subnet = subnet;
        _gateway = gateway;
        _base = Ipv4.ToUInt32(subnet.BaseAddress);
        _size = 1u << (32 - subnet.PrefixLength);
        // Guests start in the upper half: service addresses are numbered from the bottom in file
        // order, so one a reload adds is not already a running guest's.
        _next = _size >= 16 ? _size / 2 : 1;
        _used.Add(Ipv4.ToUInt32(gateway));
        // Held for good: never released, so never handed to a guest.
        foreach (IPAddress address in reserved ?? []) _used.Add(Ipv4.ToUInt32(address));
    }

    public GuestNetwork Allocate(ServiceSpec service, string guestName)
    {
        lock (_used)
        {
            for (uint tried = 0; tried < _size; tried++)
            {
                uint offset = _next++ % _size;
                if (offset == 0 || offset == _size - 1) continue; // network and broadcast
                uint v = _base + offset;
                if (!_used.Add(v)) continue;
                var address = Ipv4.FromUInt32(v);
                // Locally administered MAC carrying the address: unique per guest, readable in tcpdump.
                string mac = string.Create(CultureInfo.InvariantCulture, $"52:54:{(byte)(v >> 24):x2}:{(byte)(v >> 16):x2}:{(byte)(v >> 8):x2}:{(byte)v:x2}");
                if (_remote) return new RemoteBridgeNetwork(_bridge, address, _subnet.PrefixLength, _gateway, mac);
                string tap = "smt" + Interlocked.Increment(ref _tapSequence).ToString(CultureInfo.InvariantCulture) + "-" + (v & 0xffff).ToString("x", CultureInfo.InvariantCulture);
                return new BridgeNetwork(_bridge, _netns, address, _subnet.PrefixLength, _gateway, mac, tap.Length > 15 ? tap[..15] : tap);
            }
        }
        throw new InvalidOperationException($"no free address left in {_subnet}: widen " + (_remote ? "the host's address_range" : "[network.bridge] subnet"));
    }

    public void Release(GuestNetwork network)
    {
        if (network is BridgeNetwork or RemoteBridgeNetwork) lock (_used) _used.Remove(Ipv4.ToUInt32(network.ServiceAddress));
    }

    public void Reserve(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        // Like the constructor's: held for good, never handed to a guest.
        lock (_used) _used.Add(Ipv4.ToUInt32(address));
    }

    public bool TryClaim(GuestNetwork network)
    {
        bool ours = network switch
        {
            BridgeNetwork b => !_remote && b.Bridge == _bridge && b.Namespace == _netns && _subnet.Contains(b.GuestAddress),
            RemoteBridgeNetwork r => _remote && r.Bridge == _bridge && _subnet.Contains(r.GuestAddress),
            _ => false,
        };
        if (!ours) return false;
        lock (_used) return _used.Add(Ipv4.ToUInt32(network.ServiceAddress));
    }

    public string GuestCommandLine(GuestNetwork network, ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(network);
        int prefix = network switch
        {
            BridgeNetwork b => b.PrefixLength,
            RemoteBridgeNetwork r => r.PrefixLength,
            _ => throw new ArgumentException("not a bridge network: " + network.GetType().Name, nameof(network)),
        };
        return $"ip={network.ServiceAddress}/{prefix} gw={_gateway} " + LoopbackNetworkPlan.PortKeys(service) + GuestSeed.Next();
    }
}
