using System.Buffers.Binary;

namespace Summoner.Dns.Wire;

/// <summary>A question as read: its name sits uncompressed in the buffer the caller passed.</summary>
public readonly record struct DnsQuestion(int NameLength, DnsRecordType Type, DnsClass Class);

/// <summary>A resource record as read; <see cref="Data"/> points into the message (names in it may be compressed).</summary>
public readonly ref struct DnsRecord
{
    public DnsRecord(int nameLength, DnsRecordType type, ushort rawClass, uint ttl, int dataOffset, ReadOnlySpan<byte> data)
    {
        NameLength = nameLength;
        Type = type;
        RawClass = rawClass;
        Ttl = ttl;
        DataOffset = dataOffset;
        Data = data;
    }

    public int NameLength { get; }
    public DnsRecordType Type { get; }
    /// <summary>The class field; for OPT it is the requester's UDP payload size.</summary>
    public ushort RawClass { get; }
    /// <summary>The TTL field; for OPT it holds the extended rcode, version and DO bit.</summary>
    public uint Ttl { get; }
    public int DataOffset { get; }
    public ReadOnlySpan<byte> Data { get; }
}

/// <summary>SOA RDATA numbers; the two names are written uncompressed into the caller's buffers.</summary>
public readonly record struct DnsSoaData(
    int PrimaryNameLength, int MailboxLength, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum);

/// <summary>
/// Forward-only reader over one DNS message (RFC 1035 section 4). Every Try method returns false on
/// malformed input instead of throwing, so a hostile packet costs no exception; names are checked
/// against the label (63) and name (255) limits, and compression pointers must point strictly
/// backwards, which bounds every decompression walk and rules out loops.
/// </summary>
public ref struct DnsMessageReader
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;
    private int _questionsLeft;
    private int _answersLeft;
    private int _authorityLeft;
    private int _additionalLeft;

    private DnsMessageReader(ReadOnlySpan<byte> message, DnsHeader header)
    {
        _message = message;
        Header = header;
        _position = DnsLimits.HeaderLength;
        _questionsLeft = header.QuestionCount;
        _answersLeft = header.AnswerCount;
        _authorityLeft = header.AuthorityCount;
        _additionalLeft = header.AdditionalCount;
    }

    public DnsHeader Header { get; }

    /// <summary>Offset of the next unread byte.</summary>
    public readonly int Position => _position;

    public readonly ReadOnlySpan<byte> Message => _message;

    /// <summary>The section the next item comes from, or null once every counted item was read.</summary>
    public readonly DnsSection? NextSection =>
        _questionsLeft > 0 ? DnsSection.Question
        : _answersLeft > 0 ? DnsSection.Answer
        : _authorityLeft > 0 ? DnsSection.Authority
        : _additionalLeft > 0 ? DnsSection.Additional
        : null;

    /// <summary>True when every counted item was read and no byte follows them.</summary>
    public readonly bool IsAtEnd => NextSection is null && _position == _message.Length;

    public static bool TryCreate(ReadOnlySpan<byte> message, out DnsMessageReader reader)
    {
        if (message.Length < DnsLimits.HeaderLength)
        {
            reader = default;
            return false;
        }
        var header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        reader = new DnsMessageReader(message, header);
        return true;
    }

    public bool TryReadQuestion(scoped Span<byte> nameBuffer, out DnsQuestion question)
    {
        question = default;
        if (_questionsLeft == 0) return false;
        if (!TryReadName(_message, _position, nameBuffer, out int nameLength, out int end)) return false;
        if (end + 4 > _message.Length) return false;
        question = new DnsQuestion(
            nameLength,
            (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(_message[end..]),
            (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(_message[(end + 2)..]));
        _position = end + 4;
        _questionsLeft--;
        return true;
    }

    /// <summary>Reads the next answer, authority or additional record (questions must be read first).</summary>
    public bool TryReadRecord(scoped Span<byte> nameBuffer, out DnsRecord record)
    {
        record = default;
        if (_questionsLeft > 0) return false;
        ref int left = ref _answersLeft;
        if (left == 0) left = ref _authorityLeft;
        if (left == 0) left = ref _additionalLeft;
        if (left == 0) return false;

        if (!TryReadName(_message, _position, nameBuffer, out int nameLength, out int end)) return false;
        if (end + 10 > _message.Length) return false;
        var fixedPart = _message.Slice(end, 10);
        int dataLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[8..]);
        int dataOffset = end + 10;
        if (dataOffset + dataLength > _message.Length) return false;
        record = new DnsRecord(
            nameLength,
            (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(fixedPart),
            BinaryPrimitives.ReadUInt16BigEndian(fixedPart[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(fixedPart[4..]),
            dataOffset,
            _message.Slice(dataOffset, dataLength));
        _position = dataOffset + dataLength;
        left--;
        return true;
    }

    /// <summary>Reads a name-only RDATA (NS, CNAME, PTR) that must fill the RDATA exactly.</summary>
    public readonly bool TryReadTargetName(in DnsRecord record, scoped Span<byte> nameBuffer, out int nameLength) =>
        TryReadName(_message, record.DataOffset, nameBuffer, out nameLength, out int end)
        && end == record.DataOffset + record.Data.Length;

    public readonly bool TryReadSoa(in DnsRecord record, scoped Span<byte> primaryName, scoped Span<byte> mailbox, out DnsSoaData soa)
    {
        soa = default;
        int dataEnd = record.DataOffset + record.Data.Length;
        if (!TryReadName(_message, record.DataOffset, primaryName, out int primaryLength, out int afterPrimary)) return false;
        if (!TryReadName(_message, afterPrimary, mailbox, out int mailboxLength, out int afterMailbox)) return false;
        if (afterMailbox + 20 != dataEnd) return false;
        var numbers = _message.Slice(afterMailbox, 20);
        soa = new DnsSoaData(
            primaryLength,
            mailboxLength,
            BinaryPrimitives.ReadUInt32BigEndian(numbers),
            BinaryPrimitives.ReadUInt32BigEndian(numbers[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(numbers[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(numbers[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(numbers[16..]));
        return true;
    }

    /// <summary>
    /// Decompresses the name at <paramref name="offset"/> into <paramref name="destination"/> (uncompressed
    /// wire form, case preserved). <paramref name="end"/> is the offset just past the name's bytes at
    /// <paramref name="offset"/> (past the first pointer if there is one).
    /// </summary>
    public static bool TryReadName(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int nameLength, out int end)
    {
        nameLength = 0;
        end = -1;
        int written = 0;
        int position = offset;
        // Each pointer must go strictly below the start of the label sequence that holds it, so the
        // walk visits ever smaller offsets and ends: no loop, no forward reference.
        int lowestStart = offset;
        while (true)
        {
            if ((uint)position >= (uint)message.Length) return false;
            byte length = message[position];
            switch (length & 0xC0)
            {
                case 0x00:
                    if (length == 0)
                    {
                        if (written + 1 > DnsLimits.MaxNameLength || written + 1 > destination.Length) return false;
                        destination[written++] = 0;
                        if (end < 0) end = position + 1;
                        nameLength = written;
                        return true;
                    }
                    if (position + 1 + length > message.Length) return false;
                    if (written + 1 + length + 1 > DnsLimits.MaxNameLength || written + 1 + length > destination.Length) return false;
                    message.Slice(position, 1 + length).CopyTo(destination[written..]);
                    written += 1 + length;
                    position += 1 + length;
                    break;
                case 0xC0:
                    if (position + 1 >= message.Length) return false;
                    int target = ((length & 0x3F) << 8) | message[position + 1];
                    if (target >= lowestStart || target < DnsLimits.HeaderLength) return false;
                    if (end < 0) end = position + 2;
                    lowestStart = target;
                    position = target;
                    break;
                default:
                    // 0x40 and 0x80 label types (RFC 6891 retired the extended labels): not a name we accept.
                    return false;
            }
        }
    }
}
