using System.Net;
using Summoner.Dns.Tests.Support;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests;

[Trait("Category", "unit")]
public sealed class DnsCodecTests
{
    private static readonly byte[] GoldenQuery = Convert.FromHexString(
        "123401000001000000000000" + "076578616D706C6503636F6D00" + "00010001");

    // Same question, answered: QR AA RD, one A record whose owner is a pointer to offset 12.
    private static readonly byte[] GoldenAnswer = Convert.FromHexString(
        "123485000001000100000000" + "076578616D706C6503636F6D00" + "00010001"
        + "C00C" + "0001" + "0001" + "00000E10" + "0004" + "5DB8D822");

    [Fact]
    public void Writer_produces_the_golden_query_bytes()
    {
        Assert.Equal(GoldenQuery, WireClient.Query("example.com", DnsRecordType.A));
    }

    [Fact]
    public void Writer_compresses_the_answer_owner_to_a_pointer_at_the_question()
    {
        var buffer = new byte[512];
        Span<ushort> table = stackalloc ushort[16];
        var writer = new DnsMessageWriter(buffer, table);
        writer.WriteHeader(0x1234, 0x8500);
        var name = DnsName.Parse("example.com").Wire;
        Assert.True(writer.TryWriteQuestion(name, DnsRecordType.A, DnsClass.IN));
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, name, DnsRecordType.A, 1, 3600, IPAddress.Parse("93.184.216.34").GetAddressBytes()));
        Assert.Equal(GoldenAnswer, buffer[..writer.Finish()]);
    }

    [Fact]
    public void Reader_reads_the_golden_answer()
    {
        var message = DecodedMessage.Decode(GoldenAnswer);
        Assert.Equal(0x1234, message.Header.Id);
        Assert.True(message.Header.IsResponse);
        Assert.True(message.Header.IsAuthoritative);
        Assert.Equal([("example.com.", DnsRecordType.A)], message.Questions);
        Assert.Equal([new DecodedRecord("example.com.", DnsRecordType.A, 3600, "93.184.216.34")], message.Answers);
    }

    [Fact]
    public void Every_supported_record_type_round_trips_with_case_preserved()
    {
        var buffer = new byte[1024];
        Span<ushort> table = stackalloc ushort[32];
        var writer = new DnsMessageWriter(buffer, table);
        writer.WriteHeader(7, 0x8400);
        var owner = DnsName.Parse("WwW.Example.TEST").Wire;
        var apex = DnsName.Parse("example.test").Wire;
        Assert.True(writer.TryWriteQuestion(owner, DnsRecordType.ANY, DnsClass.IN));
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, owner, DnsRecordType.A, 1, 60, new byte[] { 10, 0, 0, 1 }));
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, owner, DnsRecordType.AAAA, 1, 60, IPAddress.Parse("fd00::1").GetAddressBytes()));
        Assert.True(writer.TryWriteNameRecord(DnsSection.Answer, owner, DnsRecordType.CNAME, 61, DnsName.Parse("target.example.test").Wire));
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, owner, DnsRecordType.TXT, 1, 62, "\u0005hello\u0002hi"u8));
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, owner, (DnsRecordType)99, 1, 63, new byte[] { 1, 2, 3 }));
        Assert.True(writer.TryWriteNameRecord(DnsSection.Authority, apex, DnsRecordType.NS, 300, DnsName.Parse("ns1.example.test").Wire));
        Assert.True(writer.TryWriteSoa(DnsSection.Authority, apex, 300, DnsName.Parse("ns1.example.test").Wire,
            DnsName.Parse("hostmaster.example.test").Wire, 2026, 3600, 600, 86400, 5));
        Assert.True(writer.TryWriteOpt(1232, 0, 0, dnssecOk: true, [0x00, 0x0A, 0x00, 0x02, 0xAB, 0xCD]));
        int length = writer.Finish();

        var message = DecodedMessage.Decode(buffer.AsSpan(0, length));
        Assert.Equal([
            new DecodedRecord("www.example.test.", DnsRecordType.A, 60, "10.0.0.1"),
            new DecodedRecord("www.example.test.", DnsRecordType.AAAA, 60, "fd00::1"),
            new DecodedRecord("www.example.test.", DnsRecordType.CNAME, 61, "target.example.test."),
            new DecodedRecord("www.example.test.", DnsRecordType.TXT, 62, "\"hello\" \"hi\""),
            new DecodedRecord("www.example.test.", (DnsRecordType)99, 63, "010203"),
        ], message.Answers);
        Assert.Equal([
            new DecodedRecord("example.test.", DnsRecordType.NS, 300, "ns1.example.test."),
            new DecodedRecord("example.test.", DnsRecordType.SOA, 300, "ns1.example.test. hostmaster.example.test. 2026 3600 600 86400 5"),
        ], message.Authority);
        Assert.Equal(0, message.EdnsVersion);
        Assert.Equal(1232, message.EdnsPayload);

        // The question keeps the case it was written with; later owners are pointers to it.
        Assert.True(DnsMessageReader.TryCreate(buffer.AsSpan(0, length), out var reader));
        Span<byte> name = stackalloc byte[255];
        Assert.True(reader.TryReadQuestion(name, out var q));
        Assert.Equal("WwW.Example.TEST.", DnsName.Format(name[..q.NameLength]));
        Assert.True(reader.TryReadRecord(name, out var first));
        Assert.Equal("WwW.Example.TEST.", DnsName.Format(name[..first.NameLength]));
        Assert.Equal(0xC0, buffer[reader.Position - 4 - 10 - 2] & 0xC0); // the A record's owner is a 2-byte pointer
    }

    [Fact]
    public void Compression_matches_names_regardless_of_case()
    {
        var buffer = new byte[512];
        Span<ushort> table = stackalloc ushort[16];
        var writer = new DnsMessageWriter(buffer, table);
        writer.WriteHeader(1, 0);
        Assert.True(writer.TryWriteQuestion(DnsName.Parse("HELLO.summoner.TEST").Wire, DnsRecordType.A, DnsClass.IN));
        int before = writer.Position;
        Assert.True(writer.TryWriteNameRecord(DnsSection.Answer, DnsName.Parse("hello.SUMMONER.test").Wire, DnsRecordType.CNAME, 1,
            DnsName.Parse("www.summoner.test").Wire));
        // owner: 2-byte pointer; target: "www" label + pointer to "summoner.test" = 4 + 2.
        Assert.Equal(2 + 10 + 4 + 2, writer.Position - before);
    }

    [Fact]
    public void Writer_refuses_what_does_not_fit_and_stays_unchanged()
    {
        var buffer = new byte[512];
        Span<ushort> table = stackalloc ushort[16];
        var writer = new DnsMessageWriter(buffer, table) { Limit = 60 };
        writer.WriteHeader(1, 0);
        var name = DnsName.Parse("example.com").Wire;
        Assert.True(writer.TryWriteQuestion(name, DnsRecordType.TXT, DnsClass.IN));
        var mark = writer.Mark();
        Assert.False(writer.TryWriteRecord(DnsSection.Answer, name, DnsRecordType.TXT, 1, 1, new byte[40]));
        Assert.Equal(mark, writer.Mark());
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, name, DnsRecordType.TXT, 1, 1, new byte[10]));
        Assert.Equal(1, writer.Count(DnsSection.Answer));
        Assert.True(writer.Finish() <= 60);
    }

    public static TheoryData<string, string> MalformedNames => new()
    {
        { "pointer to itself", "C00C" },
        { "pointer forward", "C010" + "0000" + "0161" + "00" },
        { "pointer into the header", "C002" },
        { "label type 0x40", "4161" + "00" },
        { "label running past the end", "3F6162" },
        { "no terminating root label", "03616263" },
        { "name over 255 bytes", string.Concat(Enumerable.Repeat("3F" + new string('6', 126), 4)) + "00" },
        { "name over 255 bytes through a pointer", "3F" + new string('6', 126) + "3F" + new string('6', 126) + "3F" + new string('6', 126) + "00" + "00010001" + "3F" + new string('6', 126) + "C00C" },
    };

    [Theory]
    [MemberData(nameof(MalformedNames))]
    public void Reader_rejects_malformed_names(string why, string nameHex)
    {
        // When the question is the first thing, names after it point back into it (the last case).
        byte[] body = Convert.FromHexString(nameHex);
        bool twoQuestions = why.Contains("through a pointer");
        var message = Convert.FromHexString(twoQuestions ? "000000000002000000000000" : "000000000001000000000000")
            .Concat(body).Concat(twoQuestions ? Array.Empty<byte>() : new byte[] { 0, 1, 0, 1 }).ToArray();
        Assert.True(DnsMessageReader.TryCreate(message, out var reader));
        Span<byte> name = stackalloc byte[255];
        bool ok = reader.TryReadQuestion(name, out _) && (!twoQuestions || reader.TryReadQuestion(name, out _));
        Assert.False(ok, why);
    }

    [Fact]
    public void Reader_follows_backward_pointer_chains()
    {
        // q1 = a.example.; q2 = b + pointer to q1's "example"; q3 = pointer to q2.
        var message = Convert.FromHexString("000000000003000000000000"
            + "0161076578616D706C6500" + "00010001"
            + "0162C00E" + "00010001"
            + "C01B" + "00010001");
        Assert.True(DnsMessageReader.TryCreate(message, out var reader));
        Span<byte> name = stackalloc byte[255];
        var names = new List<string>();
        while (reader.TryReadQuestion(name, out var q)) names.Add(DnsName.Format(name[..q.NameLength]));
        Assert.Equal(["a.example.", "b.example.", "b.example."], names);
        Assert.True(reader.IsAtEnd);
    }

    [Fact]
    public void Reader_rejects_a_message_shorter_than_a_header_and_records_running_past_the_end()
    {
        Assert.False(DnsMessageReader.TryCreate(new byte[11], out _));
        var message = GoldenAnswer[..^2];
        Assert.True(DnsMessageReader.TryCreate(message, out var reader));
        Span<byte> name = stackalloc byte[255];
        Assert.True(reader.TryReadQuestion(name, out _));
        Assert.False(reader.TryReadRecord(name, out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a..b", "empty label")]
    [InlineData("exa mple.test", "not allowed")]
    [InlineData("*.wild.test", "not allowed")]
    public void Name_parser_explains_bad_names(string text, string expected)
    {
        Assert.False(DnsName.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("limit is 63", Assert.Throws<FormatException>(() => DnsName.Parse(new string('x', 64) + ".test")).Message, StringComparison.Ordinal);
    }
}
