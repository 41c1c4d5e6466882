using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>
/// UDP services through a real `summoner serve` and real nettest guests (UDP echo on udp=, TCP
/// echo on port=): a DNS query summons, datagrams to the answered address come back byte-exact
/// through the door; a datagram to a cold service summons it; a service with TCP and UDP ports is
/// ready only once both are; in loopback mode the datagrams ride the door's TCP tunnel, so the
/// guest keeps slirp's restrict=on and cannot reach the host.
/// </summary>
[Trait("Category", "qemu")]
public sealed class UdpServiceTests
{
    private static readonly TimeSpan Reply = TimeSpan.FromSeconds(40);
    private readonly ITestOutputHelper _out;

    public UdpServiceTests(ITestOutputHelper output) { _out = output; }

    private static string NetTest(string name, string ports, string extra = "") => $"""
        [[service]]
        name = "{name}"
        image = "{RepoPaths.Image("nettest")}"
        ports = {ports}
        memory = "32MiB"
        {extra}

        """;

    [Fact]
    public async Task A_udp_echo_summoned_by_dns_echoes_datagrams_byte_exact_and_a_datagram_wakes_it_when_cold()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: NetTest("uecho", "[\"9/udp\"]"));
        var sw = Stopwatch.StartNew();
        IPAddress address = await DoorTests.DigAsync(d, "uecho");
        _out.WriteLine($"dns-triggered summon of a UDP-only service: answer in {sw.Elapsed.TotalMilliseconds:F0} ms");

        using var a = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var b = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var random = new Random(16);
        foreach (int size in new[] { 1, 100, 1400, 0, 512 })
        {
            byte[] first = new byte[size], second = new byte[size + 7];
            random.NextBytes(first);
            random.NextBytes(second);
            // Two clients interleaved: each reply must go back to the client whose datagram it answers.
            await a.SendAsync(first, new IPEndPoint(address, 9));
            await b.SendAsync(second, new IPEndPoint(address, 9));
            UdpReceiveResult ra = await ReceiveAsync(a, d);
            UdpReceiveResult rb = await ReceiveAsync(b, d);
            Assert.Equal(first, ra.Buffer);
            Assert.Equal(second, rb.Buffer);
            Assert.Equal(new IPEndPoint(address, 9), ra.RemoteEndPoint);
        }

        Assert.Equal(0, (await d.SummonerAsync("stop", "uecho")).Exit);
        await DoorTests.WaitAsync(() => DoorTests.StateAsync(d, "uecho", "cold"), TimeSpan.FromSeconds(10));
        // No DNS now: the datagrams wait at the door while a guest boots, then go, in order.
        sw.Restart();
        byte[][] held = [.. Enumerable.Range(0, 3).Select(i => new[] { (byte)'h', (byte)i })];
        foreach (byte[] datagram in held) await a.SendAsync(datagram, new IPEndPoint(address, 9));
        foreach (byte[] datagram in held) Assert.Equal(datagram, (await ReceiveAsync(a, d)).Buffer);
        _out.WriteLine($"datagram-triggered summon: first echo in {sw.Elapsed.TotalMilliseconds:F0} ms");

        string metrics = await d.ControlGetAsync("/metrics");
        Assert.Contains("summoner_summons_triggered_total{service=\"uecho\",trigger=\"dns\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summons_triggered_total{service=\"uecho\",trigger=\"datagram\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_door_held_total{service=\"uecho\"}", metrics, StringComparison.Ordinal);
        Assert.Single(d.QemuPids());
    }

    [Fact]
    public async Task A_service_with_tcp_and_udp_ports_is_ready_only_when_both_are()
    {
        // nettest takes the last udp= / port= of its command line: command_line moves one of the
        // two ports away, so that guest never prints the ready line for the configured one.
        string services = NetTest("mixed", "[7, \"9/udp\"]")
            + NetTest("noudp", "[7, \"9/udp\"]", "boot_deadline = \"6s\"\ncommand_line = \"udp=10\"")
            + NetTest("notcp", "[7, \"9/udp\"]", "boot_deadline = \"6s\"\ncommand_line = \"port=8\"");
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: services);

        Task<(int Rcode, IPAddress? Address)> noUdp = UdpQuery.AAsync(d.DnsPort, "noudp.summoner.test", TimeSpan.FromSeconds(30));
        Task<(int Rcode, IPAddress? Address)> noTcp = UdpQuery.AAsync(d.DnsPort, "notcp.summoner.test", TimeSpan.FromSeconds(30));
        IPAddress address = await DoorTests.DigAsync(d, "mixed");

        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] datagram = "datagram to the mixed service"u8.ToArray();
        await udp.SendAsync(datagram, new IPEndPoint(address, 9));
        Assert.Equal(datagram, (await ReceiveAsync(udp, d)).Buffer);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address, 7);
        byte[] bytes = "bytes to the mixed service"u8.ToArray();
        await tcp.GetStream().WriteAsync(bytes);
        byte[] got = new byte[bytes.Length];
        using (var timeout = new CancellationTokenSource(Reply)) await tcp.GetStream().ReadExactlyAsync(got, timeout.Token);
        Assert.Equal(bytes, got);

        // Each of these guests is ready on one of its two ports only: neither may be answered.
        var (noUdpRcode, noUdpAddress) = await noUdp;
        var (noTcpRcode, noTcpAddress) = await noTcp;
        Assert.True(noUdpAddress is null && noUdpRcode != 0, $"noudp answered {noUdpAddress} (rcode {noUdpRcode})\n{d.Output}");
        Assert.True(noTcpAddress is null && noTcpRcode != 0, $"notcp answered {noTcpAddress} (rcode {noTcpRcode})\n{d.Output}");
        string metrics = await d.ControlGetAsync("/metrics");
        Assert.Contains("summoner_summons_total{service=\"mixed\",result=\"ready\"} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("summoner_summons_total{service=\"noudp\",result=\"ready\"}", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("summoner_summons_total{service=\"notcp\",result=\"ready\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_udp_service_added_by_a_reload_is_summoned_by_a_datagram_and_a_removed_one_stops_receiving_after_its_drain()
    {
        // The door's datagram entrances follow a reload like its TCP ones.
        await using ServeDaemon d = await ServeDaemon.StartAsync(serviceTtl: "2s");
        string before = await File.ReadAllTextAsync(d.ConfigPath);
        await File.WriteAllTextAsync(d.ConfigPath, before + "\n" + NetTest("uadded", "[\"9/udp\"]"));
        var added = await d.SummonerAsync("reload");
        Assert.True(added.Exit == 0, added.Stdout + added.Stderr);
        var answer = await UdpQuery.AAsync(d.DnsPort, "uadded.summoner.test", Reply);
        Assert.Equal(0, answer.Rcode);
        IPAddress address = answer.Address!;
        Assert.Equal(0, (await d.SummonerAsync("stop", "uadded")).Exit);
        await DoorTests.WaitAsync(() => DoorTests.StateAsync(d, "uadded", "cold"), TimeSpan.FromSeconds(10));

        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendAsync("wake"u8.ToArray(), new IPEndPoint(address, 9)); // no DNS: the datagram itself summons
        Assert.Equal("wake"u8.ToArray(), (await ReceiveAsync(client, d)).Buffer);

        await File.WriteAllTextAsync(d.ConfigPath, before);
        var removed = await d.SummonerAsync("reload");
        Assert.True(removed.Exit == 0, removed.Stdout + removed.Stderr);
        // Drained after the TTL: the guest goes, and the address no longer takes datagrams (nothing summons).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (d.QemuPids().Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Empty(d.QemuPids());
        await client.SendAsync("gone"u8.ToArray(), new IPEndPoint(address, 9));
        await Task.Delay(3000);
        Assert.Empty(d.QemuPids());
        Assert.Equal(0, client.Available);
    }

    [Fact]
    public async Task A_loopback_udp_service_runs_under_restrict_on_its_guest_reaches_no_host_port_and_its_udp_port_still_answers()
    {
        // Egress none: the guest may reach nothing. 10.0.2.2 is slirp's alias of the host's
        // loopback, which restrict=off (what UDP services used to need) would let it reach.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int hostPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepts = new List<TimeSpan>();
        using var stopping = new CancellationTokenSource();
        Task serving = EgressTests.ServeLinesAsync(listener, accepts, Stopwatch.StartNew(), stopping.Token);
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml:
            NetTest("ulocked", "[\"9/udp\"]", $"command_line = \"connect=10.0.2.2:{hostPort}\""));
        IPAddress address = await DoorTests.DigAsync(d, "ulocked");

        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] datagram = "through the tunnel"u8.ToArray();
        await client.SendAsync(datagram, new IPEndPoint(address, 9));
        Assert.Equal(datagram, (await ReceiveAsync(client, d)).Buffer);

        string console = await EgressTests.OutboundAsync(d, "ulocked", 1);
        Assert.True(console.Contains($"nettest: outbound failed connection to 10.0.2.2:{hostPort} ", StringComparison.Ordinal), console);
        lock (accepts) Assert.Empty(accepts);
        Assert.False(listener.Pending(), "the guest reached a host port");

        string qemu = File.ReadAllText($"/proc/{Assert.Single(d.QemuPids())}/cmdline").Replace('\0', ' ');
        Assert.Contains("restrict=on", qemu, StringComparison.Ordinal);
        // The guest's own loopback address, not the door's service address.
        Assert.Matches(@"hostfwd=tcp:127\.[0-9.]+:65001-:65001", qemu);
        Assert.DoesNotContain("hostfwd=udp", qemu, StringComparison.Ordinal);
        // Still answering after the failed connect: the tunnel flow is unaffected.
        await client.SendAsync(datagram, new IPEndPoint(address, 9));
        Assert.Equal(datagram, (await ReceiveAsync(client, d)).Buffer);

        await stopping.CancelAsync();
        listener.Stop();
        await serving;
    }

    private static async Task<UdpReceiveResult> ReceiveAsync(UdpClient client, ServeDaemon d)
    {
        using var timeout = new CancellationTokenSource(Reply);
        try
        {
            return await client.ReceiveAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no datagram back within {Reply}:\n{d.Output}");
        }
    }
}
