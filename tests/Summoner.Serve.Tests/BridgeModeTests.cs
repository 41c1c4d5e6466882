using System.Globalization;
using System.Net;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>
/// Bridge mode inside a network namespace this test creates and removes: the guest gets its own
/// address on the bridge, and Linux's stack inside the namespace talks to it.
/// </summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class BridgeModeTests
{
    private readonly ITestOutputHelper _out;

    public BridgeModeTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public async Task In_bridge_mode_the_answer_is_the_guests_own_address_on_the_bridge_and_it_serves_http_there()
    {
        int n = Environment.ProcessId % 200 + 20;
        string netns = "sumserve" + n.ToString(CultureInfo.InvariantCulture);
        string bridge = "sbr" + n.ToString(CultureInfo.InvariantCulture);
        string subnet = $"10.213.{n}.0/24", gateway = $"10.213.{n}.1";
        await ServeDaemon.RunAsync("ip", "netns", "del", netns);
        var add = await ServeDaemon.RunAsync("ip", "netns", "add", netns);
        Assert.True(add.Exit == 0, add.Stderr);
        try
        {
            string network = $"""
                mode = "bridge"
                [network.bridge]
                name = "{bridge}"
                subnet = "{subnet}"
                gateway = "{gateway}"
                netns = "{netns}"
                """;
            await using (ServeDaemon d = await ServeDaemon.StartAsync(networkToml: network))
            {
                var (rcode, address) = await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(30));
                Assert.True(rcode == 0 && address is not null, d.Output);
                Assert.True(IPNetwork.Parse(subnet).Contains(address!), $"{address} is not on {subnet}");
                var curl = await ServeDaemon.RunAsync("ip", "netns", "exec", netns, "curl", "-s", "-m", "10", $"http://{address}/");
                Assert.Contains("<h1>hello</h1>", curl.Stdout, StringComparison.Ordinal);
                var neigh = await ServeDaemon.RunAsync("ip", "-n", netns, "neigh", "show", address!.ToString());
                Assert.Contains("PERMANENT", neigh.Stdout, StringComparison.Ordinal);
                var links = await ServeDaemon.RunAsync("ip", "-n", netns, "-o", "link", "show", "master", bridge);
                Assert.Contains("smt", links.Stdout, StringComparison.Ordinal);
                _out.WriteLine(links.Stdout);
            }
            // Stopped: the tap is gone from both namespaces.
            Assert.DoesNotContain("smt", (await ServeDaemon.RunAsync("ip", "-n", netns, "-o", "link")).Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("smt", (await ServeDaemon.RunAsync("ip", "-o", "link")).Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await ServeDaemon.RunAsync("ip", "netns", "del", netns);
        }
    }
}
