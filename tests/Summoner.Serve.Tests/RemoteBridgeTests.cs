using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;
using ServeProcess = Summoner.Serve.Tests.MultiHostTests.ServeProcess;

namespace Summoner.Serve.Tests;

/// <summary>
/// A [[host]] with network = "bridge", for real: a libvirtd the test starts in a network namespace of its
/// own, reached over qemu+tcp://, where the test made a bridge carrying the routed guest subnet (the host's
/// address_range, its gateway the bridge's address) and turned on forwarding; serve, dig and curl run in a
/// client namespace that routes that subnet to the host. Summoner runs no command there: libvirt makes and
/// attaches each guest's tap, and the guest sets its own address. Every 10.x address exists only in these
/// namespaces, and everything is removed afterwards.
/// </summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class RemoteBridgeTests
{
    private const int DnsPort = 5310;
    private const int MetricsPort = 9763;
    private const string Subnet = "10.212.1.0/24";
    private const string Gateway = "10.212.1.1";
    private readonly ITestOutputHelper _out;

    public RemoteBridgeTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public async Task A_bridge_hosts_guest_answers_dns_and_http_at_its_routed_address_and_through_the_door()
    {
        var suite = Stopwatch.StartNew();
        await using var lab = await Lab.CreateAsync(_out);
        var subnet = IPNetwork.Parse(Subnet);

        // entrance = "host": DNS answers the guest's own address on the host's bridge, routed to it.
        ServeProcess a = await lab.StartServeAsync("a", DnsPort, MetricsPort, 213, "");
        Assert.Contains("[[host]] 'hb' runs guests on bridge 'br0'", a.Output, StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();
        IPAddress address = await lab.DigAsync(a);
        _out.WriteLine($"MEASURE cold summon on the bridge host (entrance = host): answered {address} after {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(subnet.Contains(address) && !address.Equals(IPAddress.Parse(Gateway)), $"{address} is not a guest address of {Subnet}");
        Assert.Equal("200", await lab.CurlStatusAsync(address));
        JsonElement hello = await lab.ServiceAsync(a);
        Assert.Equal(("ready", "hb", address.ToString()), (hello.GetProperty("state").GetString(), hello.GetProperty("host").GetString(), hello.GetProperty("guestAddress").GetString()));
        // libvirt made the tap there and put it on the operator's bridge; the guest's MAC is the one Summoner picked.
        string bridged = lab.Host.Exec("ip", "-br", "link", "show", "master", "br0");
        byte[] octets = address.GetAddressBytes();
        string mac = string.Create(CultureInfo.InvariantCulture, $"52:54:{octets[0]:x2}:{octets[1]:x2}:{octets[2]:x2}:{octets[3]:x2}");
        Assert.Contains(mac, lab.Daemon.DomainNames().Select(n => lab.DomainXml(n)).Single(x => x.Contains("<source bridge='br0'", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("vnet", bridged, StringComparison.Ordinal);
        // The idle reaper reads the guest's traffic the same way, by that MAC, over the connection.
        string stats = Command.Run("virsh", "-c", lab.Daemon.Uri, "domifstat", hello.GetProperty("guest").GetString()!, mac);
        Assert.Matches(@"rx_bytes [1-9]", stats);
        Assert.Matches(@"hb\s+up\s+1/4", await lab.SummonerAsync(a, "hosts"));
        Assert.Contains("hb", await lab.SummonerAsync(a, "ps"), StringComparison.Ordinal);
        Assert.Contains("summoner_host_guests{host=\"hb\"} 1", await lab.CurlAsync($"http://127.0.0.1:{MetricsPort}/metrics"), StringComparison.Ordinal);

        // Killed and started again on its state directory, serve takes the guest back on the bridge host, ready at once.
        string guest = hello.GetProperty("guest").GetString()!;
        await a.KillAndStartAsync(lab.Client, _out);
        JsonElement back = await lab.ServiceAsync(a);
        Assert.Equal(("ready", guest, address.ToString()), (back.GetProperty("state").GetString(), back.GetProperty("guest").GetString(), back.GetProperty("guestAddress").GetString()));
        Assert.Equal("200", await lab.CurlStatusAsync(address));

        // Stopping serve destroys the guest there; libvirt takes its tap off the bridge.
        await a.StopAsync(_out);
        Assert.DoesNotContain(lab.Daemon.DomainNames(), n => n.StartsWith("summoner-", StringComparison.Ordinal));
        Assert.DoesNotContain("vnet", lab.Host.Exec("ip", "-br", "link", "show", "master", "br0"), StringComparison.Ordinal);

        // entrance = "door": the service keeps its address on this machine; a bare connect (no DNS) summons
        // a guest on the bridge host, held until it listens at its routed address, then relayed there.
        ServeProcess b = await lab.StartServeAsync("b", DnsPort + 1, MetricsPort + 1, 214, "entrance = \"door\"\n");
        var door = IPAddress.Parse((await lab.ServiceAsync(b)).GetProperty("address").GetString()!);
        Assert.True(IPNetwork.Parse("127.214.0.0/16").Contains(door), $"hello's address {door} is not this machine's loopback_range");
        clock.Restart();
        Assert.Equal("200", await lab.CurlStatusAsync(door));
        _out.WriteLine($"MEASURE bare connect to cold hello through the door to the bridge host: 200 after {clock.Elapsed.TotalMilliseconds:F0} ms");
        JsonElement relayed = await lab.ServiceAsync(b);
        Assert.Equal("hb", relayed.GetProperty("host").GetString());
        Assert.True(subnet.Contains(IPAddress.Parse(relayed.GetProperty("guestAddress").GetString()!)), "the door relayed to a guest outside the bridge's subnet");
        Assert.Contains("hello: held a connection on port 80", b.Output, StringComparison.Ordinal);
        Assert.Equal(door, await lab.DigAsync(b));
        await b.StopAsync(_out);
        Assert.DoesNotContain(lab.Daemon.DomainNames(), n => n.StartsWith("summoner-", StringComparison.Ordinal));
        Assert.Empty(lab.Daemon.QemuPids());
        _out.WriteLine($"MEASURE remote bridge test body {suite.Elapsed.TotalSeconds:F1} s (lab setup included, teardown not)");
    }

    // libvirt's nwfilter on the bridge host (Summoner.Egress.GuestNetworkFilter): guests without egress try raw
    // connects from their own stack to a listener on the host's bridge address (the host's INPUT path) and to one
    // in the client's namespace (routed through the host: its FORWARD path); both must fail and reach nothing,
    // while DNS + HTTP to a guest there still work and a listed destination is reached through the egress broker
    // (which connects to the guest). Without the filterref both raw connects succeed (checked once by hand).
    [Fact]
    public async Task A_bridge_hosts_guests_cannot_open_connections_but_answer_and_reach_listed_egress_through_the_broker()
    {
        const int GatewayPort = 7071, ClientPort = 7072;
        await using var lab = await Lab.CreateAsync(_out);
        // iptables, ip6tables and ebtables are nft front ends here: one ruleset holds what they all installed.
        Assert.DoesNotContain("libvirt", Command.Run("nft", "list", "ruleset"), StringComparison.Ordinal);
        using var hostSockets = new Summoner.Linux.NetnsSockets(lab.Host.Name);
        using var clientSockets = new Summoner.Linux.NetnsSockets(lab.Client);
        using System.Net.Sockets.Socket gatewayListener = hostSockets.Create(System.Net.Sockets.AddressFamily.InterNetwork);
        gatewayListener.Bind(new IPEndPoint(IPAddress.Any, GatewayPort));
        gatewayListener.Listen(8);
        using System.Net.Sockets.Socket clientListener = clientSockets.Create(System.Net.Sockets.AddressFamily.InterNetwork);
        clientListener.Bind(new IPEndPoint(IPAddress.Any, ClientPort));
        clientListener.Listen(8);
        string Raw(string name, string connect) => $"""
            [[service]]
            name = "{name}"
            image = "{RepoPaths.Image("nettest")}"
            ports = [7]
            memory = "32MiB"
            command_line = "connect={connect} connect_timeout_ms=5000"

            """;
        string services = Raw("rawgw", $"{Gateway}:{GatewayPort}") + Raw("rawclient", $"10.211.0.2:{ClientPort}") + $"""
            [[service]]
            name = "listed"
            image = "{RepoPaths.Image("nettest")}"
            ports = [7]
            memory = "32MiB"
            egress = ["10.211.0.2:{ClientPort}"]
            command_line = "connect=10.211.0.2:{ClientPort}"

            """;
        ServeProcess c = await lab.StartServeAsync("c", DnsPort + 2, MetricsPort + 2, 215, "", services);

        IPAddress hello = await lab.DigAsync(c);
        Assert.Equal("200", await lab.CurlStatusAsync(hello));
        string guest = (await lab.ServiceAsync(c)).GetProperty("guest").GetString()!;
        Assert.Contains("<filterref filter='summoner-guest'", lab.DomainXml(guest), StringComparison.Ordinal);
        foreach (string service in new[] { "rawgw", "rawclient" })
        {
            await lab.DigAsync(c, service);
            // Unfiltered, the connect succeeds and nettest waits for a line nobody sends: say so at once.
            string console = await lab.OutboundAsync(c, service, () => Assert.False(
                gatewayListener.Poll(0, System.Net.Sockets.SelectMode.SelectRead) || clientListener.Poll(0, System.Net.Sockets.SelectMode.SelectRead),
                $"{service}'s raw connect reached a listener: the guest opened a connection out"));
            Assert.Contains("nettest: outbound failed", console, StringComparison.Ordinal);
            Assert.DoesNotContain("nettest: outbound ok", console, StringComparison.Ordinal);
        }
        Assert.False(gatewayListener.Poll(0, System.Net.Sockets.SelectMode.SelectRead), "a guest's raw connect reached the listener on the host's bridge address");
        Assert.False(clientListener.Poll(0, System.Net.Sockets.SelectMode.SelectRead), "a guest's raw connect reached the listener routed through the host");

        // The broker opens the guest's outbound connection itself, after connecting to the guest: allowed.
        using var stopping = new CancellationTokenSource();
        Task answering = AnswerLineAsync(clientListener, stopping.Token);
        await lab.DigAsync(c, "listed");
        Assert.Contains("nettest: outbound ok HOST HELLO FROM THE GUEST", await lab.OutboundAsync(c, "listed"), StringComparison.Ordinal);
        await stopping.CancelAsync();
        await answering;

        // The drops were libvirt's rules in the host's namespace (their counters moved), and nothing landed in this one.
        string hostRules = lab.Host.Exec("iptables-save", "-c");
        _out.WriteLine(hostRules);
        Assert.Matches(@"\[[1-9]\d*:\d+\] -A FI-vnet\d+ .*ctstate [A-Z,]*NEW[A-Z,]* -j DROP", hostRules);
        Assert.Matches(@"\[[1-9]\d*:\d+\] -A HI-vnet\d+ .*ctstate [A-Z,]*NEW[A-Z,]* -j DROP", hostRules);
        Assert.Matches(@"-A FI-vnet\d+ .*ctstate [A-Z,]*NEW[A-Z,]* -j DROP", lab.Host.Exec("ip6tables-save"));
        Assert.DoesNotContain("libvirt", Command.Run("nft", "list", "ruleset"), StringComparison.Ordinal);
        await c.StopAsync(_out);
        Assert.DoesNotContain(lab.Daemon.DomainNames(), n => n.StartsWith("summoner-", StringComparison.Ordinal));
    }

    /// <summary>Accepts one connection and answers its line with "HOST " and the line in upper case.</summary>
    private static async Task AnswerLineAsync(System.Net.Sockets.Socket listener, CancellationToken stopping)
    {
        try
        {
            using System.Net.Sockets.Socket accepted = await listener.AcceptAsync(stopping);
            using var stream = new System.Net.Sockets.NetworkStream(accepted);
            using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
            string? line = await reader.ReadLineAsync(stopping);
            if (line is not null) await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("HOST " + line.ToUpperInvariant() + "\n"), stopping);
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>The namespaces, the daemon and the serve processes of the test; disposing removes them all.</summary>
    private sealed class Lab(ITestOutputHelper output) : NamespaceLab(output, "summoner-remotebridge-")
    {
        public IsolatedLibvirtd Daemon { get; private set; } = null!;
        public NetworkNamespace Host { get; private set; } = null!;

        protected override int CurlSeconds => 40;

        public static Task<Lab> CreateAsync(ITestOutputHelper output)
        {
            var lab = new Lab(output);
            return BuiltAsync(lab, lab.BuildAsync);
        }

        private async Task BuildAsync()
        {
            // The fabric: a bridge in a namespace of its own; the host and the client hang off it by veth pairs made there.
            CreateFabric("10.211.0.1/24", "sumrc-", "10.211.0.2/24");
            // The host: what its operator would have made. br0 carries the guest subnet with the gateway
            // on it, and the host forwards between it and its uplink.
            Host = NetworkNamespace.Create(Gateway + "/24", "br0");
            Plug(Host.Name, "vh" + Tag);
            Host.Ip("addr", "add", "10.211.0.11/24", "dev", "eth0");
            Host.Ip("link", "set", "eth0", "up");
            Host.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            Command.Run("ip", "-n", Client, "route", "add", Subnet, "via", "10.211.0.11");
            Daemon = new IsolatedLibvirtd(Path.Combine(Directory, "hb"), Host.Name, listenTcp: true);
            await Daemon.StartAsync();
        }

        /// <param name="placement">Keys for [placement] beyond down_after.</param>
        public async Task<ServeProcess> StartServeAsync(string name, int dnsPort, int metricsPort, int loopbackOctet, string placement, string extraServices = "")
        {
            string toml = $"""
                [dns]
                listen = "127.0.0.1:{dnsPort}"
                answer_deadline = "40s"
                [libvirt]
                state_dir = "state"
                accelerator = "tcg"
                [network]
                loopback_range = "127.{loopbackOctet}.0.0/16"
                [metrics]
                listen = "127.0.0.1:{metricsPort}"
                [defaults]
                boot_deadline = "30s"
                [placement]
                down_after = "3s"
                {placement}
                [[host]]
                name = "hb"
                uri = "qemu+tcp://10.211.0.11/system"
                network = "bridge"
                bridge = "br0"
                address_range = "{Subnet}"
                guests = 4
                guest_memory = "512MiB"
                image_dir = "{Path.Combine(Daemon.Root, "images")}"
                accelerator = "tcg"
                [[service]]
                name = "hello"
                image = "{RepoPaths.Image("hello")}"
                ports = [80]

                """ + extraServices;
            return await StartServeAsync(name, dnsPort, metricsPort, toml);
        }

        public string DomainXml(string domain) => Command.Run("virsh", "-c", Daemon.Uri, "dumpxml", domain);

        public Task<JsonElement> ServiceAsync(ServeProcess serve) => ApiRowAsync(serve, "services", "hello");

        /// <summary>The console of <paramref name="service"/>'s guest once nettest printed its outbound line.</summary>
        public async Task<string> OutboundAsync(ServeProcess serve, string service, Action? meanwhile = null)
        {
            string console = "";
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                var (_, stdout, _) = await InClientAsync(["dotnet", ServeDaemon.SummonerDll, "logs", service, "--config", serve.ConfigPath]);
                console = stdout;
                if (console.Contains("nettest: outbound ", StringComparison.Ordinal)) return console;
                meanwhile?.Invoke();
                await Task.Delay(200);
            }
            throw new TimeoutException($"{service} printed no outbound line:\n{console}\n{serve.Output}");
        }

        protected override async Task DisposeDaemonsAsync(Func<Func<Task>, Task> step)
        {
            if (Daemon is not null) await step(async () => await Daemon.DisposeAsync());
        }

        // The host's namespace goes with br0 and any tap left on it.
        protected override void DisposeOwnNamespaces() => Host?.Dispose();
    }
}
