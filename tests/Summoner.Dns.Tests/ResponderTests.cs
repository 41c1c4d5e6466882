using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

/// <summary>Responder behaviour on messages no stock client sends; real-client behaviour is in DigBehaviourTests.</summary>
[Trait("Category", "unit")]
public sealed class ResponderTests
{
    private readonly DnsResponder _responder = new(TestZone.Catalog(), new TestServices(), new DnsServerOptions(), new DnsCounters());

    private (int Length, byte[] Response) Respond(byte[] query, DnsTransport transport = DnsTransport.Udp)
    {
        var response = new byte[65535];
        var pending = _responder.RespondAsync(query, response, transport, CancellationToken.None);
        int length = pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("static answers are written synchronously");
        return (length, response);
    }

    private DecodedMessage Answer(byte[] query, DnsTransport transport = DnsTransport.Udp)
    {
        var (length, response) = Respond(query, transport);
        Assert.True(length > 0, "a well-formed message is answered");
        return DecodedMessage.Decode(response.AsSpan(0, length));
    }

    [Fact]
    public void Responses_and_runts_are_dropped_and_counted()
    {
        var query = WireClient.Query("www.summoner.test", DnsRecordType.A);
        query[2] |= 0x80;
        Assert.Equal(0, Respond(query).Length);
        Assert.Equal(0, Respond(new byte[11]).Length);
        Assert.Equal(2, _responder.Counters.Snapshot().Dropped);
    }

    [Fact]
    public void Two_questions_are_a_format_error()
    {
        var query = WireClient.Query("www.summoner.test", DnsRecordType.A);
        query[5] = 2;
        var message = Answer(query);
        Assert.Equal((int)DnsResponseCode.FormErr, message.ResponseCode);
        Assert.Empty(message.Questions);
    }

    [Fact]
    public void Trailing_bytes_and_records_in_the_answer_section_are_format_errors()
    {
        var trailing = WireClient.Query("www.summoner.test", DnsRecordType.A).Concat(new byte[] { 0 }).ToArray();
        Assert.Equal((int)DnsResponseCode.FormErr, Answer(trailing).ResponseCode);
        var withAnswer = WireClient.Query("www.summoner.test", DnsRecordType.A);
        withAnswer[7] = 1;
        Assert.Equal((int)DnsResponseCode.FormErr, Answer(withAnswer).ResponseCode);
    }

    [Fact]
    public void Two_opt_records_or_a_malformed_option_are_format_errors_answered_with_opt()
    {
        var one = WireClient.Query("www.summoner.test", DnsRecordType.A, ednsPayload: 1232);
        var opt = one[^11..];
        var two = one.Concat(opt).ToArray();
        two[11] = 2;
        var message = Answer(two);
        Assert.Equal((int)DnsResponseCode.FormErr, message.ResponseCode);

        var badOption = WireClient.Query("www.summoner.test", DnsRecordType.A, ednsPayload: 1232, ednsOptions: [0, 10, 0, 9, 1]);
        message = Answer(badOption);
        Assert.Equal((int)DnsResponseCode.FormErr, message.ResponseCode);
        Assert.Equal(0, message.EdnsVersion);
    }

    [Fact]
    public void Unknown_edns_options_are_ignored()
    {
        var query = WireClient.Query("www.summoner.test", DnsRecordType.A, ednsPayload: 1232, ednsOptions: [0xFD, 0xE9, 0, 2, 1, 2]);
        var message = Answer(query);
        Assert.Equal(0, message.ResponseCode);
        Assert.Single(message.Answers);
    }

    [Fact]
    public void Without_edns_a_udp_answer_over_512_bytes_is_truncated_and_tcp_carries_it_all()
    {
        var query = WireClient.Query("medium.summoner.test", DnsRecordType.TXT);
        var (udpLength, _) = Respond(query);
        var udp = Answer(query);
        Assert.True(udp.Header.IsTruncated);
        Assert.True(udpLength <= 512);
        Assert.Empty(udp.Answers);
        var tcp = Answer(query, DnsTransport.Tcp);
        Assert.False(tcp.Header.IsTruncated);
        Assert.Equal(TestZone.MediumTxtCount, tcp.Answers.Count);
    }

    [Fact]
    public void A_requester_payload_below_512_is_raised_to_512()
    {
        var query = WireClient.Query("summoner.test", DnsRecordType.NS, ednsPayload: 100);
        var (length, _) = Respond(query);
        var message = Answer(query);
        Assert.True(length > 100);
        Assert.False(message.Header.IsTruncated);
        Assert.Equal(2, message.Answers.Count);
        var medium = Answer(WireClient.Query("medium.summoner.test", DnsRecordType.TXT, ednsPayload: 100));
        Assert.True(medium.Header.IsTruncated);
    }

    [Fact]
    public void Class_chaos_is_refused()
    {
        var query = WireClient.Query("version.bind", DnsRecordType.TXT);
        query[^1] = 3;
        Assert.Equal((int)DnsResponseCode.Refused, Answer(query).ResponseCode);
    }

    [Fact]
    public void Names_match_case_insensitively_and_the_question_keeps_its_case()
    {
        var message = Answer(WireClient.Query("WwW.SUMMONER.test", DnsRecordType.A));
        Assert.Equal(0, message.ResponseCode);
        Assert.Equal("127.0.0.10", Assert.Single(message.Answers).Data);
    }

    [Fact]
    public void An_empty_non_terminal_is_nodata_not_nxdomain()
    {
        var message = Answer(WireClient.Query("b.deep.summoner.test", DnsRecordType.A));
        Assert.Equal(0, message.ResponseCode);
        Assert.Empty(message.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(message.Authority).Type);
    }

    [Fact]
    public void A_service_that_fails_is_servfail_and_counted()
    {
        var message = Answer(WireClient.Query("broken.summoner.test", DnsRecordType.A));
        Assert.Equal((int)DnsResponseCode.ServFail, message.ResponseCode);
        Assert.Equal(1, _responder.Counters.Snapshot().ServiceFailures);
        Assert.Equal(1, _responder.Counters.Snapshot().Responses(DnsResponseCode.ServFail));
    }

    [Fact]
    public void Answering_static_and_ready_service_names_allocates_nothing()
    {
        byte[][] queries =
        [
            WireClient.Query("www.summoner.test", DnsRecordType.A, ednsPayload: 1232),
            WireClient.Query("summoner.test", DnsRecordType.NS),
            WireClient.Query("alias.summoner.test", DnsRecordType.A),
            WireClient.Query("nope.summoner.test", DnsRecordType.A),
            WireClient.Query("hello.summoner.test", DnsRecordType.A, ednsPayload: 1232),
            WireClient.Query("big.summoner.test", DnsRecordType.TXT),
            WireClient.Query("example.org", DnsRecordType.A),
        ];
        var response = new byte[65535];
        for (int round = 0; round < 2; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                var pending = _responder.RespondAsync(queries[i % queries.Length], response, DnsTransport.Udp, CancellationToken.None);
                Assert.True(pending.IsCompletedSuccessfully);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // The first round warms up (tiering, lazy statics); the second must be allocation-free.
            if (round == 1) Assert.Equal(0, allocated);
        }
    }
}
