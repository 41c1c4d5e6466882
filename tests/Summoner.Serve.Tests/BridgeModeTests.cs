using System.Globalization;
using System.Net;
using Xunit;
using Xunit.Abstractions;
using Summoner.Linux;

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
    public async Task In_bridge_mode_the_answer_is_the_services_own_address_on_the_bridge_and_it_serves_http_there()
    {
        await InBridgeNamespaceAsync(0, async (d, ns) =>
        {
            var (rcode, address) = await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(30));
            Assert.True(rcode == 0 && address is not null, d.Output);
            Assert.True(IPNetwork.Parse(ns.Subnet).Contains(address!), $"{address} is not on {ns.Subnet}");
            Assert.Contains("<h1>hello</h1>", await CurlInAsync(ns.Netns, $"http://{address}/"), StringComparison.Ordinal);
            // The answer is the door's service address; the guest has its own, with a permanent neighbour entry.
            Assert.Equal(await DoorTests.AddressAsync(d, "hello"), address);
            string guest = await GuestAddressAsync(d, "hello");
            Assert.NotEqual(address!.ToString(), guest);
            var neigh = await ServeDaemon.RunAsync("ip", "-n", ns.Netns, "neigh", "show", guest);
            Assert.Contains("PERMANENT", neigh.Stdout, StringComparison.Ordinal);
            var links = await ServeDaemon.RunAsync("ip", "-n", ns.Netns, "-o", "link", "show", "master", ns.Bridge);
            Assert.Contains("smt", links.Stdout, StringComparison.Ordinal);
            _out.WriteLine(links.Stdout);
        }, afterStop: async ns =>
        {
            // Stopped: the tap is gone from both namespaces, and so is the door's address.
            Assert.DoesNotContain("/32", (await ServeDaemon.RunAsync("ip", "-n", ns.Netns, "-o", "addr", "show", "dev", ns.Bridge)).Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("smt", (await ServeDaemon.RunAsync("ip", "-n", ns.Netns, "-o", "link")).Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("smt", (await ServeDaemon.RunAsync("ip", "-o", "link")).Stdout, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task In_bridge_mode_a_reload_adds_a_service_on_the_bridge_and_a_removal_lets_its_address_go_after_the_drain()
    {
        await InBridgeNamespaceAsync(13, async (d, ns) =>
        {
            Assert.Equal(0, (await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(30))).Rcode);
            string good = await File.ReadAllTextAsync(d.ConfigPath);
            await File.WriteAllTextAsync(d.ConfigPath, good + $"\n[[service]]\nname = \"extra\"\nimage = \"{Summoner.Testing.RepoPaths.Image("hello")}\"\nports = [80]\n");
            var reload = await d.SummonerAsync("reload");
            Assert.True(reload.Exit == 0, reload.Stdout + reload.Stderr);
            var (rcode, address) = await UdpQuery.AAsync(d.DnsPort, "extra.summoner.test", TimeSpan.FromSeconds(30));
            Assert.True(rcode == 0 && address is not null, d.Output);
            Assert.True(IPNetwork.Parse(ns.Subnet).Contains(address!), $"{address} is not on {ns.Subnet}");
            Assert.NotEqual(await GuestAddressAsync(d, "hello"), address!.ToString());
            Assert.Contains(address + "/32", (await ServeDaemon.RunAsync("ip", "-n", ns.Netns, "-o", "addr", "show", "dev", ns.Bridge)).Stdout, StringComparison.Ordinal);
            Assert.Contains("<h1>", await CurlInAsync(ns.Netns, $"http://{address}/"), StringComparison.Ordinal);

            await File.WriteAllTextAsync(d.ConfigPath, good);
            reload = await d.SummonerAsync("reload");
            Assert.True(reload.Exit == 0, reload.Stdout + reload.Stderr);
            Assert.Equal(3, (await UdpQuery.AAsync(d.DnsPort, "extra.summoner.test", TimeSpan.FromSeconds(30))).Rcode);
            await d.WaitForOutputAsync("extra: drained", TimeSpan.FromSeconds(30));
            await DoorTests.WaitAsync(async () => !(await ServeDaemon.RunAsync("ip", "-n", ns.Netns, "-o", "addr", "show", "dev", ns.Bridge)).Stdout.Contains(address + "/32", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            Assert.Contains("<h1>hello</h1>", await CurlInAsync(ns.Netns, $"http://{await DoorTests.AddressAsync(d, "hello")}/"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task In_bridge_mode_a_changed_address_leaves_the_bridge_when_the_old_guest_goes_without_another_reload()
    {
        await InBridgeNamespaceAsync(17, async (d, ns) =>
        {
            string prefix = ns.Subnet[..ns.Subnet.LastIndexOf('.')];
            string before = prefix + ".60", after = prefix + ".61";
            string good = await File.ReadAllTextAsync(d.ConfigPath);
            string Extra(string address) => $"\n[[service]]\nname = \"extra\"\nimage = \"{Summoner.Testing.RepoPaths.Image("hello")}\"\nports = [80]\naddress = \"{address}\"\n";
            async Task<string> BridgeAddresses() => (await ServeDaemon.RunAsync("ip", "-n", ns.Netns, "-o", "addr", "show", "dev", ns.Bridge)).Stdout;

            await File.WriteAllTextAsync(d.ConfigPath, good + Extra(before));
            Assert.Equal(0, (await d.SummonerAsync("reload")).Exit);
            Assert.Contains("<h1>", await CurlInAsync(ns.Netns, $"http://{before}/"), StringComparison.Ordinal);

            await File.WriteAllTextAsync(d.ConfigPath, good + Extra(after));
            var reload = await d.SummonerAsync("reload");
            Assert.True(reload.Exit == 0, reload.Stdout + reload.Stderr);
            // The old guest still runs and serves on its address; the new one is on the bridge already.
            string held = await BridgeAddresses();
            Assert.Contains(before + "/32", held, StringComparison.Ordinal);
            Assert.Contains(after + "/32", held, StringComparison.Ordinal);

            Assert.Equal(0, (await d.SummonerAsync("stop", "extra")).Exit);
            await DoorTests.WaitAsync(async () => !(await BridgeAddresses()).Contains(before + "/32", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            Assert.Contains(after + "/32", await BridgeAddresses(), StringComparison.Ordinal);
            Assert.Contains("<h1>", await CurlInAsync(ns.Netns, $"http://{after}/"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task In_bridge_mode_egress_summons_a_service_by_name_reaches_a_listed_host_listener_and_refuses_the_rest()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int hostPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stopping = new CancellationTokenSource();
        Task serving = EgressTests.ServeLinesAsync(listener, [], System.Diagnostics.Stopwatch.StartNew(), stopping.Token);
        string services = EgressTests.NetTest("toecho", "echo.summoner.test:7", "[\"echo.summoner.test:7\"]")
            + EgressTests.NetTest("tohost", $"127.0.0.1:{hostPort}", $"[\"127.0.0.1:{hostPort}\"]")
            + EgressTests.NetTest("denied", "hello.summoner.test:80", "[\"echo.summoner.test:7\"]");
        await InBridgeNamespaceAsync(29, async (d, ns) =>
        {
            foreach (string service in new[] { "toecho", "tohost", "denied" })
                Assert.Equal(0, (await UdpQuery.AAsync(d.DnsPort, service + ".summoner.test", TimeSpan.FromSeconds(30))).Rcode);
            Assert.Contains("nettest: outbound ok hello from the guest", await EgressTests.OutboundAsync(d, "toecho", 1), StringComparison.Ordinal);
            Assert.Contains("nettest: outbound ok HOST HELLO FROM THE GUEST", await EgressTests.OutboundAsync(d, "tohost", 1), StringComparison.Ordinal);
            Assert.Contains("is not in service denied's egress list: add it to summoner.toml", await EgressTests.OutboundAsync(d, "denied", 1), StringComparison.Ordinal);
            string metrics = await d.ControlGetAsync("/metrics");
            Assert.Contains("summoner_summons_triggered_total{service=\"echo\",trigger=\"connect\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("summoner_egress_connections_total{service=\"denied\",result=\"refused\"} 1", metrics, StringComparison.Ordinal);
        }, extraServiceToml: services);
        await stopping.CancelAsync();
        listener.Stop();
        await serving;
    }

    // Egress's firewall (Summoner.Egress.BridgeFirewall): guests with and without an egress list try
    // raw connects from their own stack (no egress_port, so the SDK does not use the broker) to a
    // service address held by the door and to a listener on the namespace's gateway address; both
    // must time out, summon nothing and reach nothing, while the brokered connect to a listed
    // service works. Without the rules both raw connects succeed.
    [Fact]
    public async Task In_bridge_mode_a_guests_own_connects_are_dropped_and_only_its_brokered_listed_destination_is_reached()
    {
        const int SaltFirewall = 37, GatewayPort = 7070;
        BridgeNamespace planned = NamespaceFor(SaltFirewall);
        string target = planned.Prefix + ".70";
        string Raw(string name, string connect) => $"""
            [[service]]
            name = "{name}"
            image = "{Summoner.Testing.RepoPaths.Image("nettest")}"
            ports = [7]
            memory = "32MiB"
            command_line = "connect={connect} connect_timeout_ms=5000"

            """;
        string services = $"""
            [[service]]
            name = "target"
            image = "{Summoner.Testing.RepoPaths.Image("nettest")}"
            ports = [7]
            memory = "32MiB"
            address = "{target}"

            """
            + Raw("rawdoor", target + ":7")
            + Raw("rawhost", planned.Prefix + ".1:" + GatewayPort.ToString(CultureInfo.InvariantCulture))
            + EgressTests.NetTest("listed", "target.summoner.test:7", "[\"target.summoner.test:7\"]");
        await InBridgeNamespaceAsync(SaltFirewall, async (d, ns) =>
        {
            string table = Summoner.Egress.BridgeFirewall.TableName(ns.Bridge);
            Assert.Contains("table inet " + table, (await ServeDaemon.RunAsync("ip", "netns", "exec", ns.Netns, "nft", "list", "tables")).Stdout, StringComparison.Ordinal);
            using var sockets = new NetnsSockets(ns.Netns);
            using System.Net.Sockets.Socket listener = sockets.Create(System.Net.Sockets.AddressFamily.InterNetwork);
            listener.Bind(new IPEndPoint(IPAddress.Any, GatewayPort));
            listener.Listen(8);

            foreach (string service in new[] { "rawdoor", "rawhost" })
                Assert.Equal(0, (await UdpQuery.AAsync(d.DnsPort, service + ".summoner.test", TimeSpan.FromSeconds(30))).Rcode);
            foreach (string service in new[] { "rawdoor", "rawhost" })
            {
                string console = await EgressTests.OutboundAsync(d, service, 1);
                Assert.Contains("nettest: outbound failed", console, StringComparison.Ordinal);
                Assert.DoesNotContain("nettest: outbound ok", console, StringComparison.Ordinal);
            }
            // The raw connect to the door's address summoned nothing; the one to the gateway reached no listener.
            Assert.True(await DoorTests.StateAsync(d, "target", "cold"), d.Output);
            Assert.DoesNotContain("summoner_summons_triggered_total{service=\"target\"", await d.ControlGetAsync("/metrics"), StringComparison.Ordinal);
            Assert.False(listener.Poll(0, System.Net.Sockets.SelectMode.SelectRead), "a guest's raw connect reached the namespace's listener");

            // The same destination through the broker, listed: summoned and answered.
            Assert.Equal(0, (await UdpQuery.AAsync(d.DnsPort, "listed.summoner.test", TimeSpan.FromSeconds(30))).Rcode);
            Assert.Contains("nettest: outbound ok hello from the guest", await EgressTests.OutboundAsync(d, "listed", 1), StringComparison.Ordinal);
            Assert.Contains("summoner_summons_triggered_total{service=\"target\",trigger=\"connect\"} 1", await d.ControlGetAsync("/metrics"), StringComparison.Ordinal);

            // The drops were this table's (its counters moved), not an accident of routing.
            string rules = (await ServeDaemon.RunAsync("ip", "netns", "exec", ns.Netns, "nft", "list", "table", "inet", table)).Stdout;
            _out.WriteLine(rules);
            Assert.Matches(@"counter packets [1-9]\d* bytes \d+ drop", rules);
        }, afterStop: async ns =>
        {
            string tables = (await ServeDaemon.RunAsync("ip", "netns", "exec", ns.Netns, "nft", "list", "tables")).Stdout;
            Assert.DoesNotContain(Summoner.Egress.BridgeFirewall.TableName(ns.Bridge), tables, StringComparison.Ordinal);
        }, extraServiceToml: services, idleTimeout: "60s");
    }

    private static async Task<string> GuestAddressAsync(ServeDaemon d, string service)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(await d.ControlGetAsync("/api/services"));
        return doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == service).GetProperty("guestAddress").GetString()!;
    }

    private sealed record BridgeNamespace(string Netns, string Bridge, string Subnet)
    {
        /// <summary>The subnet's first three octets, e.g. "10.214.42".</summary>
        public string Prefix => Subnet[..Subnet.LastIndexOf('.')];
    }

    private static BridgeNamespace NamespaceFor(int salt)
    {
        int n = (Environment.ProcessId + salt) % 200 + 20;
        return new BridgeNamespace("sumdoor" + n.ToString(CultureInfo.InvariantCulture), "sdbr" + n.ToString(CultureInfo.InvariantCulture), $"10.214.{n}.0/24");
    }

    /// <summary>Runs <paramref name="test"/> against a bridge-mode daemon in a namespace made (and removed) for it, then <paramref name="afterStop"/> once the daemon stopped.</summary>
    private static async Task InBridgeNamespaceAsync(int salt, Func<ServeDaemon, BridgeNamespace, Task> test, Func<BridgeNamespace, Task>? afterStop = null, string extraServiceToml = "", string idleTimeout = "300ms")
    {
        BridgeNamespace ns = NamespaceFor(salt);
        int n = int.Parse(ns.Bridge["sdbr".Length..], CultureInfo.InvariantCulture);
        await ServeDaemon.RunAsync("ip", "netns", "del", ns.Netns);
        var add = await ServeDaemon.RunAsync("ip", "netns", "add", ns.Netns);
        Assert.True(add.Exit == 0, add.Stderr);
        try
        {
            string network = $"""
                mode = "bridge"
                [network.bridge]
                name = "{ns.Bridge}"
                subnet = "{ns.Subnet}"
                gateway = "10.214.{n}.1"
                netns = "{ns.Netns}"
                """;
            await using (ServeDaemon d = await ServeDaemon.StartAsync(idleTimeout: idleTimeout, networkToml: network, extraServiceToml: extraServiceToml))
                await test(d, ns);
            if (afterStop is not null) await afterStop(ns);
        }
        finally
        {
            await ServeDaemon.RunAsync("ip", "netns", "del", ns.Netns);
        }
    }

    [Fact]
    public async Task In_bridge_mode_a_udp_service_echoes_datagrams_sent_to_its_address_from_the_namespace()
    {
        string uecho = $"""
            [[service]]
            name = "uecho"
            image = "{Summoner.Testing.RepoPaths.Image("nettest")}"
            ports = ["9/udp"]
            memory = "32MiB"

            """;
        await InBridgeNamespaceAsync(13, async (d, ns) =>
        {
            var (rcode, address) = await UdpQuery.AAsync(d.DnsPort, "uecho.summoner.test", TimeSpan.FromSeconds(30));
            Assert.True(rcode == 0 && address is not null, d.Output);
            using var sockets = new NetnsSockets(ns.Netns);
            using System.Net.Sockets.Socket client = sockets.CreateDatagram(System.Net.Sockets.AddressFamily.InterNetwork);
            client.Bind(new IPEndPoint(IPAddress.Any, 0));
            var random = new Random(13);
            foreach (int size in new[] { 1, 512, 1400 })
            {
                byte[] sent = new byte[size];
                random.NextBytes(sent);
                await client.SendToAsync(sent, new IPEndPoint(address!, 9));
                byte[] got = new byte[2048];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
                System.Net.Sockets.SocketReceiveFromResult r = await client.ReceiveFromAsync(got, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
                Assert.Equal(sent, got.AsSpan(0, r.ReceivedBytes).ToArray());
                Assert.Equal(new IPEndPoint(address!, 9), r.RemoteEndPoint);
            }
            Assert.NotEqual(address!.ToString(), await GuestAddressAsync(d, "uecho"));
        }, extraServiceToml: uecho);
    }

    private static async Task<string> CurlInAsync(string netns, string url) =>
        (await ServeDaemon.RunAsync("ip", "netns", "exec", netns, "curl", "-sS", "-m", "40", url)).Stdout;

    [Fact]
    public async Task In_bridge_mode_a_client_with_the_old_address_after_a_stop_or_a_reap_is_served()
    {
        await InBridgeNamespaceAsync(7, async (d, ns) =>
        {
            string netns = ns.Netns;
            var (rcode, address) = await UdpQuery.AAsync(d.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(30));
            Assert.True(rcode == 0 && address is not null, d.Output);
            Assert.Contains("<h1>hello</h1>", await CurlInAsync(netns, $"http://{address}/"), StringComparison.Ordinal);
            Assert.Equal(0, (await d.SummonerAsync("stop", "hello")).Exit);
            Assert.Contains("<h1>hello</h1>", await CurlInAsync(netns, $"http://{address}/"), StringComparison.Ordinal);
            // Then the idle reap (300 ms + the 1 s TTL), and the same address again.
            await DoorTests.WaitAsync(() => DoorTests.StateAsync(d, "hello", "ready"), TimeSpan.FromSeconds(10));
            await DoorTests.WaitAsync(() => DoorTests.StateAsync(d, "hello", "cold"), TimeSpan.FromSeconds(20));
            Assert.Contains("<h1>hello</h1>", await CurlInAsync(netns, $"http://{address}/"), StringComparison.Ordinal);
            string metrics = await d.ControlGetAsync("/metrics");
            Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"connect\"} 2", metrics, StringComparison.Ordinal);
        });
    }

    // Guests' own addresses rotate; the addresses clients hold are the door's and never change hands.
    [Fact]
    public async Task In_bridge_mode_one_services_address_never_answers_for_another_over_many_cycles()
    {
        await InBridgeNamespaceAsync(11, async (d, ns) =>
        {
            string netns = ns.Netns;
            IPAddress hello = await DoorTests.AddressAsync(d, "hello"), echo = await DoorTests.AddressAsync(d, "echo");
            var guests = new HashSet<string>();
            for (int cycle = 0; cycle < 8; cycle++)
            {
                Assert.Contains("<h1>hello</h1>", await CurlInAsync(netns, $"http://{hello}/"), StringComparison.Ordinal);
                guests.Add(await GuestAddressAsync(d, "hello"));
                Assert.Equal(0, (await d.SummonerAsync("stop", "hello")).Exit);
                string sent = $"cycle{cycle}";
                var echoed = await ServeDaemon.RunAsync("ip", "netns", "exec", netns, "bash", "-c", $"exec 3<>/dev/tcp/{echo}/7 && printf {sent} >&3 && timeout 40 head -c {sent.Length} <&3");
                Assert.Equal(sent, echoed.Stdout);
                guests.Add(await GuestAddressAsync(d, "echo"));
                // hello's address on echo's port: nobody there, whatever guest runs.
                var wrong = await ServeDaemon.RunAsync("ip", "netns", "exec", netns, "bash", "-c", $"exec 3<>/dev/tcp/{hello}/7");
                Assert.NotEqual(0, wrong.Exit);
                Assert.Equal(0, (await d.SummonerAsync("stop", "echo")).Exit);
            }
            Assert.DoesNotContain(hello.ToString(), guests);
            Assert.DoesNotContain(echo.ToString(), guests);
        });
    }
}
