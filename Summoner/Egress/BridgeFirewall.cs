using System.Globalization;
using System.Text;
using Summoner.Linux;

namespace Summoner.Egress;

/// <summary>
/// Bridge mode's counterpart of slirp's restrict=on: nftables rules, in the namespace the bridge
/// lives in, that drop every packet a guest starts. A guest still answers what the namespace
/// opens towards it (the door's relayed clients and readiness probe, the egress broker's control
/// channel and its reverse connections, the door's UDP flows), so its only way out is the broker,
/// which allows exactly the service's current egress list. Without these rules a guest on the
/// bridge could connect straight to the door's service addresses (summoning any service), the
/// gateway, other guests, and whatever the namespace routes.
/// <para>
/// The rules name no guest and no service: every tap Summoner makes is called
/// <see cref="TapPrefix"/>N-xxxx, and the bridge family marks frames arriving on such a port, so a
/// guest is covered from the moment its tap joins the bridge (while it is still paused), guests
/// taken back after a restart are covered too, and a reload (which cannot change [network]) has
/// nothing to update. The port is the identity because a guest can forge its source address but
/// not the tap it sends on. The kernel's bridge family has no connection tracking here, so the
/// verdict is taken in the inet family's input and forward hooks, on the mark; frames bridged
/// from a guest to another port (another guest, an uplink) are dropped in the bridge family.
/// </para>
/// </summary>
public static class BridgeFirewall
{
    /// <summary>The prefix of every tap Summoner makes (BridgeNetworkPlan names them smtN-xxxx).</summary>
    public const string TapPrefix = "smt";

    /// <summary>The packet-mark bit that says "arrived on a guest's tap". Or-ed in, never overwriting
    /// other marks; the inet rules also ask for this bridge as the input device.</summary>
    public const uint GuestMark = 0x00530000;

    /// <summary>The nftables table (inet and bridge family alike) for <paramref name="bridge"/>.</summary>
    public static string TableName(string bridge)
    {
        ArgumentException.ThrowIfNullOrEmpty(bridge);
        var name = new StringBuilder("summoner_");
        foreach (char c in bridge) name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        return name.ToString();
    }

    /// <summary>The whole rule set as one nft script: it replaces an earlier run's tables in one transaction.</summary>
    public static string Script(string bridge)
    {
        string table = TableName(bridge);
        string mark = "0x" + GuestMark.ToString("x8", CultureInfo.InvariantCulture);
        string fromGuest = $"iifname \"{bridge}\" meta mark & {mark} == {mark}";
        return $$"""
            table inet {{table}} {}
            delete table inet {{table}}
            table bridge {{table}} {}
            delete table bridge {{table}}
            table bridge {{table}} {
              chain from_guests {
                type filter hook prerouting priority filter; policy accept;
                iifname "{{TapPrefix}}*" meta mark set meta mark | {{mark}}
              }
              chain between_guests {
                type filter hook forward priority filter; policy accept;
                iifname "{{TapPrefix}}*" counter drop
              }
            }
            table inet {{table}} {
              chain to_namespace {
                type filter hook input priority filter; policy accept;
                {{fromGuest}} ct state established,related accept
                {{fromGuest}} counter drop
              }
              chain routed {
                type filter hook forward priority filter; policy accept;
                {{fromGuest}} ct state established,related accept
                {{fromGuest}} counter drop
              }
            }

            """;
    }

    /// <summary>Puts the rules in place (in <paramref name="netns"/>, or this namespace when null). Throws
    /// <see cref="InvalidOperationException"/> saying what to do when nft is missing or the kernel refuses them.</summary>
    public static async Task InstallAsync(string bridge, string? netns, CancellationToken cancellationToken)
    {
        string script = Path.Combine(Path.GetTempPath(), $"summoner-firewall-{Environment.ProcessId}-{TableName(bridge)}.nft");
        await File.WriteAllTextAsync(script, Script(bridge), cancellationToken).ConfigureAwait(false);
        try
        {
            await NftAsync(netns, ["-f", script], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"cannot install the guests' egress firewall (nftables table {TableName(bridge)}): {ex.Message}. "
                + "Bridge mode needs the nft command (apt-get install nftables) and a kernel with nf_tables for the inet and bridge families; guests are not started without it", ex);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Removes the rules (at shutdown, once every guest is destroyed); missing tables are fine.</summary>
    public static async Task RemoveAsync(string bridge, string? netns)
    {
        string table = TableName(bridge);
        foreach (string family in new[] { "inet", "bridge" })
            await NftAsync(netns, ["delete", "table", family, table], CancellationToken.None, allowFailure: true).ConfigureAwait(false);
    }

    /// <summary>nft in this namespace, or through `ip netns exec` in the bridge's.</summary>
    private static Task<string> NftAsync(string? netns, string[] args, CancellationToken cancellationToken, bool allowFailure = false) =>
        netns is null
            ? HostCommand.RunAsync("nft", args, cancellationToken, allowFailure)
            : HostCommand.RunAsync("ip", ["netns", "exec", netns, "nft", .. args], cancellationToken, allowFailure);
}
