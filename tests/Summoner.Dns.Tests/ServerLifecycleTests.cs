using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

/// <summary>Starting, counting and stopping a server as the daemon will.</summary>
[Trait("Category", "unit")]
public sealed class ServerLifecycleTests
{
    private static DnsServer NewServer(IPEndPoint endpoint) => new(TestZone.Catalog(), new TestServices(), new DnsServerOptions
    {
        Endpoint = endpoint,
        ServiceAnswerDeadline = TimeSpan.FromSeconds(30),
    });

    [Fact]
    public async Task Counters_follow_queries_by_rcode_and_transport()
    {
        await using var server = NewServer(new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        int port = server.LocalEndpoint.Port;
        await WireClient.SendUdpAsync(port, WireClient.Query("www.summoner.test", DnsRecordType.A));
        await WireClient.SendUdpAsync(port, WireClient.Query("nope.summoner.test", DnsRecordType.A));
        await WireClient.SendUdpAsync(port, WireClient.Query("example.org", DnsRecordType.A));
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await WireClient.SendTcpAsync(tcp.GetStream(), WireClient.Query("medium.summoner.test", DnsRecordType.TXT), cts.Token);
            await WireClient.ReceiveTcpAsync(tcp.GetStream(), cts.Token);
        }
        var counters = server.Counters.Snapshot();
        Assert.Equal(3, counters.UdpQueries);
        Assert.Equal(1, counters.TcpQueries);
        Assert.Equal(2, counters.Responses(DnsResponseCode.NoError));
        Assert.Equal(1, counters.Responses(DnsResponseCode.NXDomain));
        Assert.Equal(1, counters.Responses(DnsResponseCode.Refused));
    }

    [Fact]
    public async Task Stop_is_prompt_with_a_query_waiting_and_frees_the_port()
    {
        var server = NewServer(new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        var endpoint = server.LocalEndpoint;
        using var waiting = new UdpClient();
        waiting.Connect(IPAddress.Loopback, endpoint.Port);
        await waiting.SendAsync(WireClient.Query("stuck.summoner.test", DnsRecordType.A));
        await WireClient.SendUdpAsync(endpoint.Port, WireClient.Query("www.summoner.test", DnsRecordType.A)); // the stuck one is in flight by now

        var clock = Stopwatch.StartNew();
        await server.StopAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stop took {clock.Elapsed}");
        await server.StopAsync(); // idempotent

        await using var again = NewServer(endpoint);
        again.Start();
        Assert.Equal(endpoint, again.LocalEndpoint);
        var answer = DecodedMessage.Decode(await WireClient.SendUdpAsync(endpoint.Port, WireClient.Query("www.summoner.test", DnsRecordType.A)));
        Assert.Single(answer.Answers);
        Assert.Throws<InvalidOperationException>(again.Start);
    }

    [Fact]
    public async Task It_serves_on_ipv6_loopback_too()
    {
        if (!Socket.OSSupportsIPv6) Assert.Fail("IPv6 is disabled on this machine; enable it on lo (sysctl net.ipv6.conf.lo.disable_ipv6=0)");
        await using var server = NewServer(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        server.Start();
        string output = await ExternalTool.RunAsync("dig", ["@::1", "-p", server.LocalEndpoint.Port.ToString(), "+time=10", "+tries=1", "www.summoner.test", "AAAA"]);
        var dig = DigOutput.Parse(output);
        Assert.Equal("fd00::10", Assert.Single(dig.Answer).Data);
        var tcp = DigOutput.Parse(await ExternalTool.RunAsync("kdig", ["@::1", "-p", server.LocalEndpoint.Port.ToString(), "+tcp", "+time=10", "hello.summoner.test", "AAAA"]));
        Assert.Equal("fd00::42", Assert.Single(tcp.Answer).Data);
    }

    [Fact]
    public async Task Garbage_on_both_transports_leaves_the_server_answering()
    {
        await using var server = NewServer(new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        int port = server.LocalEndpoint.Port;
        var random = new Random(5);
        using (var udp = new UdpClient())
        {
            udp.Connect(IPAddress.Loopback, port);
            for (int i = 0; i < 2000; i++)
            {
                var junk = new byte[random.Next(0, 64)];
                random.NextBytes(junk);
                if (junk.Length > 2) junk[2] |= 0x80; // a "response": must be dropped, never answered
                await udp.SendAsync(junk);
                // Pace the junk with a real round trip so a loaded machine's socket buffer does not
                // overflow: the kernel would drop datagrams before the server could count them.
                if (i % 100 == 99)
                    Assert.Single(DecodedMessage.Decode(await WireClient.SendUdpAsync(port, WireClient.Query("www.summoner.test", DnsRecordType.A))).Answers);
            }
        }
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var junk = new byte[3000];
            random.NextBytes(junk);
            junk[0] = 0x0B; // a length prefix, then noise
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await tcp.GetStream().WriteAsync(junk, cts.Token);
                // Either an answer to the noise (it may parse) or the server closing the connection.
                int read = await tcp.GetStream().ReadAsync(new byte[512], cts.Token);
                Assert.True(read >= 0);
            }
            catch (IOException)
            {
                // The server may close on us: that is fine.
            }
        }
        var answer = DecodedMessage.Decode(await WireClient.SendUdpAsync(port, WireClient.Query("www.summoner.test", DnsRecordType.A)));
        Assert.Single(answer.Answers);
        var counters = server.Counters.Snapshot();
        Assert.True(counters.Dropped >= 1000, $"only {counters.Dropped} junk datagrams were counted as dropped");
    }

    [Fact]
    public void A_port_in_use_is_reported_with_what_to_do()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var server = NewServer((IPEndPoint)holder.LocalEndPoint!);
        var e = Assert.Throws<InvalidOperationException>(server.Start);
        Assert.Contains("Pick a free port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_are_explained()
    {
        var e = Assert.Throws<ArgumentException>(() => new DnsServerOptions { MaxUdpPayload = 100 }.Validate());
        Assert.Contains("512..65535", e.Message, StringComparison.Ordinal);
    }
}
