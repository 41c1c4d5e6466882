using Summoner.Engine;

namespace Summoner.Linux;

/// <summary>
/// Taps for bridge mode. libvirt opens a pre-made tap (managed='no') in its own namespace; the tap
/// then moves into the bridge's namespace while the guest is paused, joins the bridge, and the
/// bridge gets a permanent neighbour entry for the guest so the first packet is not lost to ARP.
/// </summary>
public static class BridgePlumbing
{
    private static string[] Ip(BridgeNetwork b, params string[] args) =>
        b.Namespace is null ? args : ["-n", b.Namespace, .. args];

    public static async Task CreateTapAsync(BridgeNetwork b, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(b);
        await HostCommand.RunAsync("ip", ["tuntap", "add", "dev", b.TapName, "mode", "tap"], cancellationToken).ConfigureAwait(false);
        // The tap exists DOWN in libvirt's namespace for a moment; keep IPv6 from ever speaking on it.
        string sysctl = $"/proc/sys/net/ipv6/conf/{b.TapName}/disable_ipv6";
        if (File.Exists(sysctl)) await File.WriteAllTextAsync(sysctl, "1", cancellationToken).ConfigureAwait(false);
    }

    public static async Task AttachAsync(BridgeNetwork b, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (b.Namespace is not null)
            await HostCommand.RunAsync("ip", ["link", "set", b.TapName, "netns", b.Namespace], cancellationToken).ConfigureAwait(false);
        await HostCommand.RunAsync("ip", Ip(b, "link", "set", b.TapName, "master", b.Bridge), cancellationToken).ConfigureAwait(false);
        await HostCommand.RunAsync("ip", Ip(b, "link", "set", b.TapName, "up"), cancellationToken).ConfigureAwait(false);
        await HostCommand.RunAsync("ip", Ip(b, "neigh", "replace", b.GuestAddress.ToString(), "lladdr", b.MacAddress, "dev", b.Bridge, "nud", "permanent"), cancellationToken).ConfigureAwait(false);
    }

    public static async Task RemoveTapAsync(BridgeNetwork b, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(b);
        await HostCommand.RunAsync("ip", Ip(b, "neigh", "del", b.GuestAddress.ToString(), "dev", b.Bridge), cancellationToken, allowFailure: true).ConfigureAwait(false);
        // The tap may still be in libvirt's namespace if attaching failed halfway.
        await HostCommand.RunAsync("ip", Ip(b, "link", "del", b.TapName), cancellationToken, allowFailure: true).ConfigureAwait(false);
        if (b.Namespace is not null)
            await HostCommand.RunAsync("ip", ["link", "del", b.TapName], cancellationToken, allowFailure: true).ConfigureAwait(false);
    }

    /// <summary>
    /// The door's service addresses, as /32s on the bridge: clients on the bridge reach the door
    /// there whichever guest (on its own address) serves.
    /// </summary>
    public static async Task AddServiceAddressesAsync(string bridge, string? netns, IEnumerable<System.Net.IPAddress> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (System.Net.IPAddress a in addresses)
            await HostCommand.RunAsync("ip", InNamespace(netns, "addr", "replace", a + "/32", "dev", bridge), cancellationToken).ConfigureAwait(false);
    }

    public static async Task RemoveServiceAddressesAsync(string bridge, string? netns, IEnumerable<System.Net.IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (System.Net.IPAddress a in addresses)
            await HostCommand.RunAsync("ip", InNamespace(netns, "addr", "del", a + "/32", "dev", bridge), CancellationToken.None, allowFailure: true).ConfigureAwait(false);
    }

    private static string[] InNamespace(string? netns, params string[] args) => netns is null ? args : ["-n", netns, .. args];

    /// <summary>Checks the bridge exists (creating it inside a named namespace if needed) and puts the
    /// guests' egress firewall (<see cref="Egress.BridgeFirewall"/>) in place before any guest runs.</summary>
    public static async Task EnsureBridgeAsync(string bridge, string? netns, System.Net.IPAddress gateway, int prefixLength, CancellationToken cancellationToken)
    {
        await EnsureBridgeExistsAsync(bridge, netns, gateway, prefixLength, cancellationToken).ConfigureAwait(false);
        await Egress.BridgeFirewall.InstallAsync(bridge, netns, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureBridgeExistsAsync(string bridge, string? netns, System.Net.IPAddress gateway, int prefixLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        string[] In(params string[] args) => netns is null ? args : ["-n", netns, .. args];
        if (netns is not null && !File.Exists("/var/run/netns/" + netns) && !File.Exists("/run/netns/" + netns))
            throw new InvalidOperationException($"network namespace '{netns}' does not exist: create it with `ip netns add {netns}` or remove [network.bridge] netns");
        string links = await HostCommand.RunAsync("ip", In("-o", "link", "show", "dev", bridge), cancellationToken, allowFailure: true).ConfigureAwait(false);
        if (links.Contains(bridge, StringComparison.Ordinal)) return;
        if (netns is null)
            throw new InvalidOperationException($"bridge '{bridge}' does not exist: create it (ip link add {bridge} type bridge; ip addr add {gateway}/{prefixLength} dev {bridge}; ip link set {bridge} up), or set [network.bridge] netns so Summoner creates it inside that namespace");
        await HostCommand.RunAsync("ip", In("link", "add", bridge, "type", "bridge"), cancellationToken).ConfigureAwait(false);
        await HostCommand.RunAsync("ip", In("addr", "add", $"{gateway}/{prefixLength}", "dev", bridge), cancellationToken).ConfigureAwait(false);
        await HostCommand.RunAsync("ip", In("link", "set", bridge, "up"), cancellationToken).ConfigureAwait(false);
        await HostCommand.RunAsync("ip", In("link", "set", "lo", "up"), cancellationToken).ConfigureAwait(false);
    }
}
