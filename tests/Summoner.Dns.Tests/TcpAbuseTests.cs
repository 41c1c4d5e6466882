using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

/// <summary>
/// One abusive client must not deny DNS over TCP to others: per-client connection caps and the message
/// timeout, attacked from 127.0.0.2 while dig asks from 127.0.0.1 (both loopback, bounded in count and time).
/// </summary>
[Collection(RunsAlone.Name)]
[Trait("Category", "unit")]
public sealed class TcpAbuseTests
{
    private static DnsServer StartServer()
    {
        var server = new DnsServer(TestZone.Catalog(), new TestServices(), new DnsServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            MaxTcpConnections = 64,
            MaxTcpConnectionsPerClient = 8,
            TcpMessageTimeout = TimeSpan.FromMilliseconds(500),
            TcpIdleTimeout = TimeSpan.FromSeconds(10),
        });
        server.Start();
        return server;
    }

    /// <summary>
    /// Holds up to <paramref name="connections"/> connections from 127.0.0.2, each sending one byte of a
    /// length prefix and nothing more, reconnecting whenever the server closes one, until <paramref name="until"/>.
    /// </summary>
    private static async Task AttackAsync(DnsServer server, int connections, CancellationToken until)
    {
        async Task HoldOne()
        {
            while (!until.IsCancellationRequested)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                    await socket.ConnectAsync(server.LocalEndpoint, until);
                    await socket.SendAsync(new byte[] { 0 }, SocketFlags.None, until);
                    await socket.ReceiveAsync(new byte[1], SocketFlags.None, until);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    // Refused, reset or the attack's end: reconnect or stop.
                }
                try
                {
                    await Task.Delay(50, until);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(HoldOne, CancellationToken.None)));
    }

    [Fact]
    public async Task Three_hundred_slow_reconnecting_connections_from_one_client_leave_tcp_to_another_client()
    {
        await using var server = StartServer();
        using var attackTime = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var attack = AttackAsync(server, 300, attackTime.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));

        int answered = 0, asked = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            asked++;
            var dig = DigOutput.Parse(await ExternalTool.RunAsync("dig",
                ["@127.0.0.1", "-b", "127.0.0.1", "-p", server.LocalEndpoint.Port.ToString(), "+tcp", "+time=2", "+tries=1", "www.summoner.test", "A"]));
            if (dig.Status == "NOERROR" && dig.Answer.Count == 1) answered++;
            await Task.Delay(200);
        }
        await attack;

        var counters = server.Counters.Snapshot();
        Assert.True(asked >= 5, $"only {asked} digs ran");
        Assert.Equal(asked, answered);
        Assert.True(counters.TcpRefusedPerClient > 0, "the attacker was never refused by its per-client cap");
        Assert.True(counters.TcpSlowSendersCut > 0, "no slow sender was cut");
        Assert.Equal(0, counters.TcpConnectionsRefused);
    }

    [Fact]
    public async Task A_message_that_trickles_in_is_cut_at_the_message_timeout_and_counted()
    {
        await using var server = StartServer();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.LocalEndpoint.Port);
        var stream = client.GetStream();
        var query = WireClient.Query("www.summoner.test", DnsRecordType.A);
        var framed = new byte[query.Length + 2];
        framed[0] = (byte)(query.Length >> 8);
        framed[1] = (byte)query.Length;
        query.CopyTo(framed, 2);
        var clock = Stopwatch.StartNew();
        bool cut = false;
        // One byte every 200 ms: each gap is short, the whole message takes far longer than 500 ms.
        for (int i = 0; i < framed.Length && !cut; i++)
        {
            try
            {
                await stream.WriteAsync(framed.AsMemory(i, 1));
                await Task.Delay(200);
                if (client.Client.Poll(0, SelectMode.SelectRead) && client.Client.Available == 0) cut = true;
            }
            catch (IOException)
            {
                cut = true;
            }
        }
        Assert.True(cut, "the trickling client was never cut");
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        Assert.Equal(1, server.Counters.Snapshot().TcpSlowSendersCut);
    }
}
