using System.Globalization;
using Summoner.Egress;
using Summoner.Testing;
using Xunit;

namespace Summoner.Serve.Tests;

/// <summary>
/// The firewall in namespaces this test creates and removes (no guest needed): a restart's second
/// install replaces the table instead of stacking rules, each bridge's table is its own, so one
/// daemon's stop leaves another's rules alone, and a port named like a guest's tap can open no
/// connection over IPv4 or IPv6 while the namespace's own connections to it still work.
/// </summary>
[Trait("Category", "root")]
public sealed class BridgeFirewallTests
{
    [Fact]
    public async Task Installing_twice_leaves_one_table_per_bridge_and_removing_one_bridges_leaves_the_other()
    {
        string netns = "sumfw" + (Environment.ProcessId % 1000).ToString(CultureInfo.InvariantCulture);
        await ServeDaemon.RunAsync("ip", "netns", "del", netns);
        var add = await ServeDaemon.RunAsync("ip", "netns", "add", netns);
        Assert.True(add.Exit == 0, add.Stderr);
        try
        {
            async Task<string> Ruleset() => (await ServeDaemon.RunAsync("ip", "netns", "exec", netns, "nft", "list", "ruleset")).Stdout;
            await BridgeFirewall.InstallAsync("sbra", netns, CancellationToken.None);
            await BridgeFirewall.InstallAsync("sbrb", netns, CancellationToken.None);
            await BridgeFirewall.InstallAsync("sbra", netns, CancellationToken.None);

            string rules = await Ruleset();
            foreach (string table in new[] { "summoner_sbra", "summoner_sbrb" })
                foreach (string family in new[] { "inet", "bridge" })
                    Assert.Single(System.Text.RegularExpressions.Regex.Matches(rules, $"table {family} {table} "));
            // One drop per chain that drops (bridge forward, inet input, inet forward) per bridge: a
            // reinstall that stacked rules would show six for sbra.
            Assert.Equal(6, System.Text.RegularExpressions.Regex.Count(rules, @"counter packets \d+ bytes \d+ drop"));

            await BridgeFirewall.RemoveAsync("sbra", netns);
            rules = await Ruleset();
            Assert.DoesNotContain("summoner_sbra", rules, StringComparison.Ordinal);
            Assert.Contains("table inet summoner_sbrb", rules, StringComparison.Ordinal);
            Assert.Contains("table bridge summoner_sbrb", rules, StringComparison.Ordinal);
            await BridgeFirewall.RemoveAsync("sbra", netns); // already gone: no error
        }
        finally
        {
            await ServeDaemon.RunAsync("ip", "netns", "del", netns);
        }
    }

    [Fact]
    public async Task A_port_named_like_a_guests_tap_can_open_no_connection_over_ipv4_or_ipv6_but_still_answers_the_namespace()
    {
        // "fw" holds the bridge (the gateway's side, as serve's bridge namespace); "guest" stands in
        // for a guest: a veth whose bridge end carries Summoner's tap prefix, so the rules take it for one.
        using var fw = NetworkNamespace.Create("10.231.0.1/24", "sbrv");
        using var guest = NetworkNamespace.Create("10.232.0.1/24", "sbrg");
        string port = BridgeFirewall.TapPrefix + "9-fw" + (Environment.ProcessId % 1000).ToString(CultureInfo.InvariantCulture);
        fw.Ip("link", "add", port, "type", "veth", "peer", "name", "eth9");
        fw.Ip("link", "set", "eth9", "netns", guest.Name);
        fw.Ip("link", "set", port, "master", fw.Bridge, "up");
        fw.Ip("addr", "add", "fd53::1/64", "dev", fw.Bridge, "nodad");
        guest.Ip("addr", "add", "10.231.0.2/24", "dev", "eth9");
        guest.Ip("addr", "add", "fd53::2/64", "dev", "eth9", "nodad");
        guest.Ip("link", "set", "eth9", "up");

        // A listener on both families in each namespace: a SYN that reaches it completes without an accept.
        const string Listen = "import socket,time\ns=socket.socket(socket.AF_INET6)\ns.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0)\ns.bind(('::',8080))\ns.listen(64)\ntime.sleep(120)";
        using var gatewayListener = System.Diagnostics.Process.Start("ip", ["netns", "exec", fw.Name, "python3", "-c", Listen])!;
        using var guestListener = System.Diagnostics.Process.Start("ip", ["netns", "exec", guest.Name, "python3", "-c", Listen])!;
        try
        {
            bool Connects(NetworkNamespace from, string host) =>
                from.TryExec(["timeout", "3", "bash", "-c", $"for i in 1 2 3 4 5 6 7 8 9 10; do (exec 3<>/dev/tcp/{host}/8080) 2>/dev/null && exit 0; sleep 0.2; done; exit 1"]).ExitCode == 0;

            // Without the rules the "guest" reaches the gateway on both families: the checks below can fail.
            Assert.True(Connects(guest, "10.231.0.1"), "no IPv4 path from the guest's port to the gateway even without the firewall");
            Assert.True(Connects(guest, "fd53::1"), "no IPv6 path from the guest's port to the gateway even without the firewall");

            await BridgeFirewall.InstallAsync(fw.Bridge, fw.Name, CancellationToken.None);
            Assert.False(Connects(guest, "10.231.0.1"), "a guest's port opened an IPv4 connection to its gateway through the firewall");
            Assert.False(Connects(guest, "fd53::1"), "a guest's port opened an IPv6 connection to its gateway through the firewall");
            // What the namespace opens towards a guest still works (the door, probes, the broker), on both families.
            Assert.True(Connects(fw, "10.231.0.2"), "the namespace could not reach the guest over IPv4 with the firewall in place");
            Assert.True(Connects(fw, "fd53::2"), "the namespace could not reach the guest over IPv6 with the firewall in place");
            string rules = fw.Exec("nft", "list", "table", "inet", BridgeFirewall.TableName(fw.Bridge));
            Assert.Matches(@"counter packets [1-9]\d* bytes \d+ drop", rules);
        }
        finally
        {
            foreach (var p in new[] { gatewayListener, guestListener })
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
    }
}
