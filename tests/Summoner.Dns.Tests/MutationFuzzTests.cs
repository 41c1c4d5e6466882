using System.Diagnostics;
using System.Text;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

/// <summary>
/// A million random and mutated messages through the responder: nothing throws, nothing waits, and
/// each one gets a well-formed response with its ID, or is dropped because it has no header to
/// answer to or is itself a response. A sample of the responses also goes through dnspython.
/// </summary>
[Trait("Category", "unit")]
public sealed class MutationFuzzTests
{
    private const int Packets = 1_000_000;
    private const int DnspythonSampleEvery = 500;

    [Fact]
    public async Task A_million_random_and_mutated_packets_are_answered_or_deliberately_dropped()
    {
        var options = new DnsServerOptions();
        var responder = new DnsResponder(TestZone.Catalog(), new TestServices(), options, new DnsCounters());
        var run = new FuzzRun(options);
        var clock = Stopwatch.StartNew();
        run.Feed(responder, Corpus(), new Random(20261122));
        foreach (var (index, query, pending, response) in run.Waiting)
        {
            // Only a mutation that kept a waiting service's name gets here; the deadline bounds it.
            int length = await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            run.Check(index, query, response.AsSpan(0, length), index % 2 == 0 ? DnsTransport.Udp : DnsTransport.Tcp);
        }
        clock.Stop();

        Assert.Equal(Packets, run.Answered + run.Dropped);
        Assert.True(run.Answered > Packets / 2, $"only {run.Answered} of {Packets} answered: the mutator produces mostly junk");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"fuzzing took {clock.Elapsed}");

        var results = await Dnspython.ParseAsync(run.Sample.ToString());
        Assert.All(results, r => Assert.False(r.ContainsKey("error"), $"dnspython rejected a response: {r.GetValueOrDefault("error")}"));
        Assert.True(results.Count >= Packets / DnspythonSampleEvery / 3);
        Console.WriteLine($"fuzz: {Packets} packets in {clock.Elapsed.TotalSeconds:F1} s, {run.Answered} answered, {run.Dropped} dropped, {run.Waiting.Count} awaited a service, {results.Count} checked by dnspython");
    }

    private sealed class FuzzRun(DnsServerOptions options)
    {
        public int Answered { get; private set; }
        public int Dropped { get; private set; }
        public StringBuilder Sample { get; } = new();
        public List<(int Index, byte[] Query, ValueTask<int> Pending, byte[] Response)> Waiting { get; } = [];

        public void Feed(DnsResponder responder, List<byte[]> corpus, Random random)
        {
            var packet = new byte[700];
            var response = new byte[65535];
            for (int i = 0; i < Packets; i++)
            {
                int length = Mutate(random, corpus, packet);
                var transport = i % 2 == 0 ? DnsTransport.Udp : DnsTransport.Tcp;
                var pending = responder.RespondAsync(packet.AsSpan(0, length), response, transport, CancellationToken.None);
                if (!pending.IsCompletedSuccessfully)
                {
                    Waiting.Add((i, packet[..length], pending, response));
                    response = new byte[65535];
                    continue;
                }
                Check(i, packet.AsSpan(0, length), response.AsSpan(0, pending.Result), transport);
            }
        }

        public void Check(int i, ReadOnlySpan<byte> query, ReadOnlySpan<byte> answer, DnsTransport transport)
        {
            if (answer.Length == 0)
            {
                Assert.True(query.Length < DnsLimits.HeaderLength || (query[2] & 0x80) != 0,
                    $"packet {i} was dropped although it has a query header: {Convert.ToHexString(query)}");
                Dropped++;
                return;
            }
            Answered++;
            if (!DecodedMessage.TryDecode(answer, out var decoded, out string? error))
                Assert.Fail($"packet {i}: our response does not parse ({error}): query {Convert.ToHexString(query)} response {Convert.ToHexString(answer)}");
            Assert.Equal(DecodedMessage.ReadId(query), decoded!.Header.Id);
            Assert.True(decoded.Header.IsResponse);
            int limit = transport == DnsTransport.Tcp ? 65535 : options.MaxUdpPayload;
            Assert.True(answer.Length <= limit, $"packet {i}: {answer.Length}-byte response over the {limit}-byte limit");
            if (transport == DnsTransport.Udp && decoded.EdnsVersion is null)
                Assert.True(answer.Length <= 512, $"packet {i}: {answer.Length} bytes over UDP without EDNS");
            if (i % DnspythonSampleEvery == 0) Sample.AppendLine(Convert.ToHexString(answer));
        }
    }

    private static List<byte[]> Corpus()
    {
        string[] names = ["www.summoner.test", "summoner.test", "hello.summoner.test", "alias.summoner.test", "nope.summoner.test",
            "b.deep.summoner.test", "big.summoner.test", "medium.summoner.test", "example.org", "WWW.Summoner.TEST", "broken.summoner.test"];
        DnsRecordType[] types = [DnsRecordType.A, DnsRecordType.AAAA, DnsRecordType.NS, DnsRecordType.SOA, DnsRecordType.TXT,
            DnsRecordType.ANY, DnsRecordType.CNAME, (DnsRecordType)99, DnsRecordType.AXFR];
        var corpus = new List<byte[]>();
        ushort id = 1;
        foreach (string name in names)
        {
            foreach (var type in types)
            {
                corpus.Add(WireClient.Query(name, type, id++));
                corpus.Add(WireClient.Query(name, type, id++, ednsPayload: 1232));
                corpus.Add(WireClient.Query(name, type, id++, ednsPayload: 4096, ednsOptions: [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]));
            }
        }
        return corpus;
    }

    /// <summary>Fills <paramref name="packet"/> with pure noise or a corpus query bent in 1-4 ways; returns its length.</summary>
    private static int Mutate(Random random, List<byte[]> corpus, byte[] packet)
    {
        if (random.Next(10) == 0)
        {
            int noise = random.Next(0, 300);
            random.NextBytes(packet.AsSpan(0, noise));
            return noise;
        }
        byte[] seed = corpus[random.Next(corpus.Count)];
        seed.CopyTo(packet, 0);
        int length = seed.Length;
        int mutations = random.Next(0, 5);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(8))
            {
                case 0: // flip one bit
                    packet[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // one random byte
                    packet[random.Next(length)] = (byte)random.Next(256);
                    break;
                case 2: // cut short
                    length = random.Next(length + 1);
                    break;
                case 3: // append noise
                    int extra = random.Next(1, 40);
                    if (length + extra > packet.Length) break;
                    random.NextBytes(packet.AsSpan(length, extra));
                    length += extra;
                    break;
                case 4: // a compression pointer somewhere, anywhere
                    if (length < 14) break;
                    int at = random.Next(12, length - 1);
                    packet[at] = (byte)(0xC0 | random.Next(4));
                    packet[at + 1] = (byte)random.Next(256);
                    break;
                case 5: // a section count
                    if (length < 12) break;
                    packet[4 + 2 * random.Next(4) + 1] = (byte)random.Next(4);
                    break;
                case 6: // header flags: opcode, QR, rcode bits
                    if (length < 4) break;
                    packet[2] = (byte)random.Next(256);
                    break;
                default: // a label length byte
                    if (length < 13) break;
                    packet[12 + random.Next(Math.Min(20, length - 12))] = (byte)random.Next(64);
                    break;
            }
        }
        return length;
    }
}
