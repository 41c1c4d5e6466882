using System.Buffers.Binary;
using System.Net;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;
using Summoner.Dns.Zones;

namespace Summoner.Dns.Tests;

/// <summary>
/// Messages that must never reach the answer source (a summon boots a VM): AAAA for an IPv4-only service,
/// ANY, TSIG-signed queries; and TSIG placement rules (RFC 8945 5.1), checked on the wire.
/// </summary>
[Trait("Category", "unit")]
public sealed class GuardedQueryTests
{
    private sealed class CountingServices : IServiceAnswerSource
    {
        public int Calls;

        public ValueTask<ServiceAnswer> ResolveAsync(ServiceQuery query, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return new ValueTask<ServiceAnswer>(ServiceAnswer.Success([IPAddress.Parse("127.0.0.44")], 1));
        }
    }

    private readonly CountingServices _services = new();
    private readonly DnsResponder _responder;

    public GuardedQueryTests()
    {
        var catalog = ZoneCatalog.From(new ZoneDefinition
        {
            Apex = "summoner.test",
            NameServers = [new NameServerDefinition { Name = "ns1.summoner.test", Addresses = ["127.0.0.1"] }],
            Services = [new ServiceNameDefinition { Name = "v4", Service = "v4" }],
            Records = [new RecordDefinition { Name = "www", Type = "A", Value = "127.0.0.10" }],
        });
        _responder = new DnsResponder(catalog, _services, new DnsServerOptions(), new DnsCounters());
    }

    private DecodedMessage Answer(byte[] query)
    {
        var response = new byte[4096];
        var pending = _responder.RespondAsync(query, response, DnsTransport.Udp, CancellationToken.None);
        int length = pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("answers synchronously");
        Assert.True(length > 0);
        return DecodedMessage.Decode(response.AsSpan(0, length));
    }

    [Theory]
    [InlineData(DnsRecordType.AAAA)]
    [InlineData(DnsRecordType.ANY)]
    [InlineData(DnsRecordType.MAILA)]
    public void A_question_whose_answer_cannot_hold_an_ipv4_address_is_nodata_without_a_summon(DnsRecordType type)
    {
        var message = Answer(WireClient.Query("v4.summoner.test", type));
        Assert.Equal(0, message.ResponseCode);
        Assert.Empty(message.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(message.Authority).Type);
        Assert.Equal(0, _services.Calls);

        var a = Answer(WireClient.Query("v4.summoner.test", DnsRecordType.A));
        Assert.Equal("127.0.0.44", Assert.Single(a.Answers).Data);
        Assert.Equal(1, _services.Calls);
    }

    /// <summary>A query followed by records in the additional section, written raw: TSIG and OPT in a chosen order.</summary>
    private static byte[] Signed(params DnsRecordType[] additional)
    {
        var buffer = new byte[1024];
        Span<ushort> table = stackalloc ushort[16];
        var writer = new DnsMessageWriter(buffer, table);
        writer.WriteHeader(0x4242, DnsHeader.RecursionDesiredFlag);
        Assert.True(writer.TryWriteQuestion(DnsName.Parse("v4.summoner.test").Wire, DnsRecordType.A, DnsClass.IN));
        foreach (var type in additional)
        {
            if (type == DnsRecordType.OPT) Assert.True(writer.TryWriteOpt(1232, 0, 0, false));
            else Assert.True(writer.TryWriteRecord(DnsSection.Additional, DnsName.Parse("key.example").Wire, DnsRecordType.TSIG, 255, 0, TsigData()));
        }
        return buffer[..writer.Finish()];
    }

    private static byte[] TsigData()
    {
        var algorithm = DnsName.Parse("hmac-sha256").Wire;
        var data = new byte[algorithm.Length + 16 + 32];
        algorithm.CopyTo(data);
        var rest = data.AsSpan(algorithm.Length);
        BinaryPrimitives.WriteUInt16BigEndian(rest, 0);
        BinaryPrimitives.WriteUInt32BigEndian(rest[2..], 1_764_000_000);
        BinaryPrimitives.WriteUInt16BigEndian(rest[6..], 300);
        BinaryPrimitives.WriteUInt16BigEndian(rest[8..], 32);
        BinaryPrimitives.WriteUInt16BigEndian(rest[(10 + 32)..], 0x4242);
        return data;
    }

    [Fact]
    public void A_signed_query_with_an_unknown_key_is_notauth_with_an_unsigned_badkey_tsig_and_no_summon()
    {
        var message = Answer(Signed(DnsRecordType.OPT, DnsRecordType.TSIG));
        Assert.Equal((int)DnsResponseCode.NotAuth, message.ResponseCode);
        Assert.Empty(message.Answers);
        var tsig = Assert.Single(message.Additional, r => r.Type == DnsRecordType.TSIG);
        Assert.Equal("key.example.", tsig.Name);
        Assert.Equal(DnsRecordType.TSIG, message.Additional[^1].Type);
        Assert.Equal(0, message.EdnsVersion);
        // RDATA: algorithm, time 1764000000, fudge 300, MAC size 0, original id 0x4242, error 17 (BADKEY), other 0.
        var algorithm = DnsName.Parse("hmac-sha256").Wire;
        string expected = Convert.ToHexString([.. algorithm, 0, 0, 0x69, 0x24, 0x81, 0x00, 0x01, 0x2C, 0, 0, 0x42, 0x42, 0, 17, 0, 0]);
        Assert.Equal(expected, tsig.Data);
        Assert.Equal(0, _services.Calls);
    }

    [Fact]
    public void A_tsig_that_is_not_last_or_comes_twice_is_a_format_error()
    {
        Assert.Equal((int)DnsResponseCode.FormErr, Answer(Signed(DnsRecordType.TSIG, DnsRecordType.OPT)).ResponseCode);
        Assert.Equal((int)DnsResponseCode.FormErr, Answer(Signed(DnsRecordType.TSIG, DnsRecordType.TSIG)).ResponseCode);
        Assert.Equal(0, _services.Calls);
    }
}
