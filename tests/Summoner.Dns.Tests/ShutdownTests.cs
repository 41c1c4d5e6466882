using System.Net;
using System.Net.Sockets;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

/// <summary>Every query gets an answer: at shutdown, queries still waiting for a service get SERVFAIL before the sockets close.</summary>
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
        await Task.Delay(500);
        Assert.All(udp.Concat(tcp), t => Assert.False(t.IsCompleted, "a stuck query was answered before shutdown"));

        await server.StopAsync();

        var answers = await Task.WhenAll(udp.Concat(tcp));
        Assert.Equal(50, answers.Length);
        Assert.All(answers, a => Assert.Equal((int)DnsResponseCode.ServFail, DecodedMessage.Decode(a).ResponseCode));
    }
}
