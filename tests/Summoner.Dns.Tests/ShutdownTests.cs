using System.Net;
using System.Net.Sockets;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

/// <summary>Every query gets an answer: at shutdown, queries still waiting for a service get SERVFAIL before the sockets close.</summary>
[Trait("Category", "unit")]
public sealed class ShutdownTests
{
    [Fact]
    public async Task Fifty_queries_waiting_for_a_service_all_get_servfail_when_the_server_stops()
    {
        var server = new DnsServer(TestZone.Catalog(), new TestServices(), new DnsServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServiceAnswerDeadline = TimeSpan.FromMinutes(1),
        });
        server.Start();
        var port = server.LocalEndpoint.Port;

        // 40 over UDP, 10 over TCP: "stuck" never answers, so only shutdown can end their wait.
        var udp = Enumerable.Range(0, 40).Select(i => WireClient.SendUdpAsync(port, WireClient.Query("stuck.summoner.test", DnsRecordType.A, (ushort)i), TimeSpan.FromSeconds(20))).ToList();
        var tcp = Enumerable.Range(0, 10).Select(async i =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await WireClient.SendTcpAsync(stream, WireClient.Query("stuck.summoner.test", DnsRecordType.A, (ushort)(100 + i)), cts.Token);
            return await WireClient.ReceiveTcpAsync(stream, cts.Token);
        }).ToList();
        // Stop only once the server holds all fifty: a fixed pause let a loaded machine stop it
        // before a TCP query was read, and that connection was reset instead of answered.
        var held = System.Diagnostics.Stopwatch.StartNew();
        while (server.Counters.Snapshot() is var c && (c.UdpQueries < 40 || c.TcpQueries < 10))
        {
            Assert.True(held.Elapsed < TimeSpan.FromSeconds(20), $"the server received only {c.UdpQueries} UDP and {c.TcpQueries} TCP queries of 40 and 10 within 20 s");
            await Task.Delay(10);
        }
        Assert.All(udp.Concat(tcp), t => Assert.False(t.IsCompleted, "a stuck query was answered before shutdown"));

        await server.StopAsync();

        var answers = await Task.WhenAll(udp.Concat(tcp));
        Assert.Equal(50, answers.Length);
        Assert.All(answers, a => Assert.Equal((int)DnsResponseCode.ServFail, DecodedMessage.Decode(a).ResponseCode));
    }
}
