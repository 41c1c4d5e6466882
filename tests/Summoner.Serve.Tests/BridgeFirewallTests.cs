using System.Globalization;
using Summoner.Egress;
using Xunit;

namespace Summoner.Serve.Tests;

/// <summary>
/// The firewall's life cycle in a namespace this test creates and removes (no guest needed): a
/// restart's second install replaces the table instead of stacking rules, and each bridge's table
/// is its own, so one daemon's stop leaves another's rules alone.
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
}
