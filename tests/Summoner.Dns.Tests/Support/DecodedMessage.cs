using System.Buffers.Binary;
using System.Net;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests.Support;

public sealed record DecodedRecord(string Name, DnsRecordType Type, uint Ttl, string Data);

/// <summary>A whole message decoded with our reader into plain values, failing loudly on anything malformed.</summary>
public sealed record DecodedMessage(
    DnsHeader Header,
    int ResponseCode,
    IReadOnlyList<(string Name, DnsRecordType Type)> Questions,
    IReadOnlyList<DecodedRecord> Answers,
    IReadOnlyList<DecodedRecord> Authority,
    IReadOnlyList<DecodedRecord> Additional,
    int? EdnsVersion,
    ushort EdnsPayload)
{
    public static DecodedMessage Decode(ReadOnlySpan<byte> message)
    {
        if (!TryDecode(message, out var decoded, out string? error)) throw new FormatException(error);
        return decoded!;
    }

    public static bool TryDecode(ReadOnlySpan<byte> message, out DecodedMessage? decoded, out string? error)
    {
        decoded = null;
        error = null;
        if (!DnsMessageReader.TryCreate(message, out var reader)) { error = "shorter than a header"; return false; }
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        var questions = new List<(string, DnsRecordType)>();
        var sections = new[] { new List<DecodedRecord>(), new List<DecodedRecord>(), new List<DecodedRecord>() };
        int? ednsVersion = null;
        ushort payload = 0;
        int extended = 0;
        while (reader.NextSection is DnsSection section)
        {
            if (section == DnsSection.Question)
            {
                if (!reader.TryReadQuestion(name, out var q)) { error = "bad question"; return false; }
                questions.Add((DnsName.Format(name[..q.NameLength]).ToLowerInvariant(), q.Type));
                continue;
            }
            if (!reader.TryReadRecord(name, out var record)) { error = $"bad record in {section}"; return false; }
            string owner = DnsName.Format(name[..record.NameLength]).ToLowerInvariant();
            if (record.Type == DnsRecordType.OPT)
            {
                if (ednsVersion is not null) { error = "two OPT records"; return false; }
                ednsVersion = (int)((record.Ttl >> 16) & 0xFF);
                extended = (int)(record.Ttl >> 24);
                payload = record.RawClass;
                continue;
            }
            if (!TryFormatData(ref reader, record, out string? data)) { error = $"bad {record.Type} RDATA"; return false; }
            sections[(int)section - 1].Add(new DecodedRecord(owner, record.Type, record.Ttl, data!));
        }
        if (!reader.IsAtEnd) { error = "bytes after the last record"; return false; }
        decoded = new DecodedMessage(reader.Header, (extended << 4) | reader.Header.ResponseCode, questions,
            sections[0], sections[1], sections[2], ednsVersion, payload);
        return true;
    }

    private static bool TryFormatData(ref DnsMessageReader reader, DnsRecord record, out string? data)
    {
        data = null;
        Span<byte> a = stackalloc byte[DnsLimits.MaxNameLength];
        Span<byte> b = stackalloc byte[DnsLimits.MaxNameLength];
        switch (record.Type)
        {
            case DnsRecordType.A when record.Data.Length == 4:
            case DnsRecordType.AAAA when record.Data.Length == 16:
                data = new IPAddress(record.Data).ToString();
                return true;
            case DnsRecordType.A or DnsRecordType.AAAA:
                return false;
            case DnsRecordType.NS or DnsRecordType.CNAME:
                if (!reader.TryReadTargetName(record, a, out int length)) return false;
                data = DnsName.Format(a[..length]).ToLowerInvariant();
                return true;
            case DnsRecordType.SOA:
                if (!reader.TryReadSoa(record, a, b, out var soa)) return false;
                data = $"{DnsName.Format(a[..soa.PrimaryNameLength]).ToLowerInvariant()} {DnsName.Format(b[..soa.MailboxLength]).ToLowerInvariant()} {soa.Serial} {soa.Refresh} {soa.Retry} {soa.Expire} {soa.Minimum}";
                return true;
            case DnsRecordType.TXT:
                var parts = new List<string>();
                var rest = record.Data;
                while (rest.Length > 0)
                {
                    int n = rest[0];
                    if (rest.Length < 1 + n) return false;
                    parts.Add("\"" + System.Text.Encoding.ASCII.GetString(rest.Slice(1, n)) + "\"");
                    rest = rest[(1 + n)..];
                }
                data = string.Join(' ', parts);
                return true;
            default:
                data = Convert.ToHexString(record.Data);
                return true;
        }
    }

    public static ushort ReadId(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);
}
