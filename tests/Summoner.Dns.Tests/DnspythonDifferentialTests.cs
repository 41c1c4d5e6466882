using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

/// <summary>
/// Every response to a spread of queries (each behaviour, UDP and TCP, with and without EDNS) is parsed
/// by dnspython, an independent implementation, and must read the same as with our reader.
/// </summary>
[Trait("Category", "unit")]
public sealed class DnspythonDifferentialTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Dnspython_reads_every_response_the_same_way_we_do()
    {
        string[] names = ["summoner.test", "www.summoner.test", "alias.summoner.test", "away.summoner.test", "txt.summoner.test",
            "medium.summoner.test", "big.summoner.test", "b.deep.summoner.test", "a.b.deep.summoner.test", "nope.summoner.test",
            "hello.summoner.test", "broken.summoner.test", "ns1.summoner.test", "example.org", "HeLLo.SUMMONER.test"];
        DnsRecordType[] types = [DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.NS, DnsRecordType.SOA, DnsRecordType.TXT,
            DnsRecordType.CNAME, DnsRecordType.ANY, (DnsRecordType)99, DnsRecordType.AXFR, DnsRecordType.MAILA];
        var responses = new List<byte[]>();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.Port);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        ushort id = 100;
        foreach (string name in names)
        {
            foreach (var type in types)
            {
                responses.Add(await WireClient.SendUdpAsync(fixture.Port, WireClient.Query(name, type, id++)));
                responses.Add(await WireClient.SendUdpAsync(fixture.Port, WireClient.Query(name, type, id++, ednsPayload: 1232)));
                await WireClient.SendTcpAsync(tcp.GetStream(), WireClient.Query(name, type, id++, ednsPayload: 4096), cts.Token);
                responses.Add(await WireClient.ReceiveTcpAsync(tcp.GetStream(), cts.Token));
            }
        }
        responses.Add(await WireClient.SendUdpAsync(fixture.Port, WireClient.Query("www.summoner.test", DnsRecordType.A, id++, ednsPayload: 1232, ednsVersion: 1)));
        var notify = WireClient.Query("www.summoner.test", DnsRecordType.SOA, id++);
        notify[2] |= (byte)((int)DnsOpcode.Notify << 3);
        responses.Add(await WireClient.SendUdpAsync(fixture.Port, notify));

        var parsed = await Dnspython.ParseAsync(string.Join('\n', responses.Select(Convert.ToHexString)));
        Assert.Equal(responses.Count, parsed.Count);
        Assert.True(parsed.Sum(p => p.TryGetValue("answer", out var a) ? a.GetArrayLength() : 0) > 200, "the queries produced too few answer records to compare");
        for (int i = 0; i < responses.Count; i++)
        {
            var theirs = parsed[i];
            Assert.False(theirs.ContainsKey("error"), $"dnspython rejected response {i}: {theirs.GetValueOrDefault("error")}");
            var ours = DecodedMessage.Decode(responses[i]);
            string context = $"response {i} ({Convert.ToHexString(responses[i])})";
            Assert.True(ours.Header.Id == theirs["id"].GetInt32(), context);
            Assert.True(ours.ResponseCode == theirs["rcode"].GetInt32(), $"{context}: rcode {ours.ResponseCode} vs {theirs["rcode"]}");
            Assert.True((ours.Header.Flags & 0xFFF0) == (theirs["flags"].GetInt32() & 0xFFF0), $"{context}: flags");
            Assert.True((ours.EdnsVersion ?? -1) == theirs["edns"].GetInt32(), $"{context}: EDNS");
            Assert.Equal(ours.Questions.Select(q => q.Name), theirs["question"].EnumerateArray().Select(e => e.GetString()!));
            AssertSameRecords(ours.Answers, theirs["answer"], context + " answer");
            AssertSameRecords(ours.Authority, theirs["authority"], context + " authority");
            AssertSameRecords(ours.Additional, theirs["additional"], context + " additional");
        }
    }

    private static void AssertSameRecords(IReadOnlyList<DecodedRecord> ours, JsonElement theirs, string context)
    {
        var their = theirs.EnumerateArray().Select(r => (
            Name: r.GetProperty("name").GetString()!,
            Type: r.GetProperty("type").GetInt32(),
            Ttl: r.GetProperty("ttl").GetUInt32(),
            Data: r.GetProperty("rdata").GetString()!)).ToList();
        Assert.True(ours.Count == their.Count, $"{context}: {ours.Count} records vs {their.Count}");
        // dnspython groups records into RRsets; compare as multisets of (name, type, ttl, data).
        var mine = ours.Select(r => (r.Name, (int)r.Type, r.Ttl, Normalize(r.Type, r.Data))).Order().ToList();
        var other = their.Select(r => (r.Name, r.Type, r.Ttl, Normalize((DnsRecordType)r.Type, r.Data))).Order().ToList();
        Assert.Equal(other, mine);
    }

    /// <summary>Both sides print A/AAAA/NS/CNAME/SOA/TXT alike; unknown types are compared by their hex RDATA.</summary>
    private static string Normalize(DnsRecordType type, string data) => type switch
    {
        DnsRecordType.A or DnsRecordType.AAAA or DnsRecordType.NS or DnsRecordType.CNAME or DnsRecordType.SOA or DnsRecordType.TXT => data.ToLowerInvariant(),
        _ => data.Replace("\\# ", "", StringComparison.Ordinal).Split(' ').Last().ToLowerInvariant(),
    };
}
