using System.Net;
using System.Net.Sockets;

namespace Summoner.Libvirt;

/// <summary>One virtio NIC of a guest. On microvm it sits on virtio-mmio, elsewhere on PCI.</summary>
public abstract record NicSpec
{
    private protected NicSpec() { }

    /// <summary>Guest MAC as six lower-case hex pairs (e.g. 52:54:00:12:34:56); null lets libvirt or QEMU choose.</summary>
    public string? MacAddress { get; init; }
}

/// <summary>
/// QEMU user-mode networking (slirp): no host device at all; <see cref="Forwards"/> expose guest
/// ports on host loopback addresses.
/// </summary>
public sealed record UserNic : NicSpec
{
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];

    /// <summary>
    /// slirp's restrict=off: lets the guest open connections out through the host. Off by default
    /// (isolation); note that forwarded UDP only gets replies back with restrict=off on libslirp 4.7.
    /// </summary>
    public bool AllowOutbound { get; init; }
}

/// <summary>A tap that libvirt creates and attaches to an existing Linux bridge in libvirt's network namespace.</summary>
public sealed record BridgeNic(string Bridge) : NicSpec
{
    /// <summary>Name for the tap libvirt creates (≤ 15 characters); null lets libvirt pick vnetN.</summary>
    public string? TapName { get; init; }

    /// <summary>
    /// A network filter (libvirt nwfilter, defined with <see cref="LibvirtConnection.DefineNetworkFilter"/>) the
    /// daemon applies to this tap; null for none. The domain fails to start if the daemon cannot instantiate it.
    /// </summary>
    public string? Filter { get; init; }
}

/// <summary>A tap the caller created beforehand (managed='no'): libvirt only opens it.</summary>
public sealed record TapNic(string TapName) : NicSpec;

public enum ForwardProtocol
{
    Tcp,
    Udp,
}

/// <summary>host <see cref="HostAddress"/>:<see cref="HostPort"/> → guest port <see cref="GuestPort"/>. The host side must be loopback.</summary>
public sealed record PortForward(ForwardProtocol Protocol, IPAddress HostAddress, int HostPort, int GuestPort)
{
    internal void Validate()
    {
        if (HostAddress.AddressFamily != AddressFamily.InterNetwork || !IPAddress.IsLoopback(HostAddress))
            throw new DomainSpecException($"port forward host address {HostAddress} must be an IPv4 loopback address (127.0.0.0/8): forwards never listen on real interfaces");
        if (HostPort is < 1 or > 65535 || GuestPort is < 1 or > 65535)
            throw new DomainSpecException($"port forward {HostPort}->{GuestPort}: ports must be 1-65535");
    }
}

/// <summary>A <see cref="DomainSpec"/> cannot be rendered; the message names the field and the fix.</summary>
public sealed class DomainSpecException : ArgumentException
{
    public DomainSpecException() { }

    public DomainSpecException(string message) : base(message) { }

    public DomainSpecException(string message, Exception innerException) : base(message, innerException) { }
}
