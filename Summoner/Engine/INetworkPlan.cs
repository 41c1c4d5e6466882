using System.Globalization;
using System.Net;

namespace Summoner.Engine;

/// <summary>Gives each guest its network attachment and the matching kernel command-line keys.</summary>
public interface INetworkPlan
{
    GuestNetwork Allocate(ServiceSpec service, string guestName);

    void Release(GuestNetwork network);

    /// <summary>Kernel.Net's configuration keys for this attachment (see README "Guest command line").</summary>
    string GuestCommandLine(GuestNetwork network, ServiceSpec service);
}

/// <summary>
/// The default mode: every service gets its own loopback address (first + index), and QEMU user
/// networking forwards the service's ports there, so nothing needs root networking.
/// </summary>
public sealed class LoopbackNetworkPlan : INetworkPlan
{
    private readonly Dictionary<string, IPAddress> _addresses = new(StringComparer.Ordinal);

    public LoopbackNetworkPlan(IPAddress first, IEnumerable<ServiceSpec> services)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(services);
        byte[] bytes = first.GetAddressBytes();
        if (bytes.Length != 4 || bytes[0] != 127)
            throw new ArgumentException($"loopback network addresses must be in 127.0.0.0/8, not {first}", nameof(first));
        uint baseValue = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        uint i = 0;
        foreach (ServiceSpec s in services)
        {
            uint v = baseValue + i++;
            _addresses[s.Name] = new IPAddress([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        }
    }

    public IPAddress AddressOf(string service) => _addresses[service];

    public GuestNetwork Allocate(ServiceSpec service, string guestName) => new LoopbackNetwork(_addresses[service.Name], service.Ports);

    public void Release(GuestNetwork network) { }

    // QEMU's user network gives the guest 10.0.2.15 behind the gateway 10.0.2.2.
    public string GuestCommandLine(GuestNetwork network, ServiceSpec service) =>
        "ip=10.0.2.15/24 gw=10.0.2.2 port=" + string.Join(',', service.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
