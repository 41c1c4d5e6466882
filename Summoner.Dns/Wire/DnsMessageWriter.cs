using System.Buffers.Binary;

namespace Summoner.Dns.Wire;

/// <summary>A point the writer can go back to when a record does not fit (truncation).</summary>
public readonly record struct DnsWriterMark(int Position, int CompressionCount, int Count0, int Count1, int Count2, int Count3);

/// <summary>
/// Writes one DNS message into a span: header, then sections in order. Names are given in uncompressed
/// wire form and compressed against names already written (RFC 1035 section 4.1.4). Every Try method
/// either writes the whole item within <see cref="Limit"/> or leaves the writer unchanged and returns
/// false, so the caller decides how to truncate.
/// </summary>
public ref struct DnsMessageWriter
{
    private readonly Span<byte> _buffer;
    private readonly Span<ushort> _compression;
    private int _compressionCount;
    private int _position;
    private int _limit;
    private DnsSection _section;
    private int _questions;
    private int _answers;
    private int _authority;
    private int _additional;

    /// <param name="buffer">Destination; at least 12 bytes.</param>
    /// <param name="compressionTable">Scratch space for offsets of names already written; a bigger table compresses more.</param>
    public DnsMessageWriter(Span<byte> buffer, Span<ushort> compressionTable)
    {
        if (buffer.Length < DnsLimits.HeaderLength)
            throw new ArgumentException("a DNS message needs at least 12 bytes of buffer", nameof(buffer));
        _buffer = buffer;
        _compression = compressionTable;
        _limit = Math.Min(buffer.Length, DnsLimits.MaxMessageLength);
        _position = DnsLimits.HeaderLength;
    }

    /// <summary>Largest message this writer will produce (e.g. the requester's UDP payload size).</summary>
    public int Limit
    {
        readonly get => _limit;
        set => _limit = Math.Clamp(value, DnsLimits.HeaderLength, Math.Min(_buffer.Length, DnsLimits.MaxMessageLength));
    }

    public readonly int Position => _position;

    public readonly int Count(DnsSection section) => section switch
    {
        DnsSection.Question => _questions,
        DnsSection.Answer => _answers,
        DnsSection.Authority => _authority,
        _ => _additional,
    };

    public void WriteHeader(ushort id, ushort flags)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer, id);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], flags);
    }

    public readonly ushort Flags => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);

    public void SetFlags(ushort flags) => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], flags);

    public readonly DnsWriterMark Mark() =>
        new(_position, _compressionCount, _questions, _answers, _authority, _additional);

    public void Rewind(DnsWriterMark mark)
    {
        _position = mark.Position;
        _compressionCount = mark.CompressionCount;
        _questions = mark.Count0;
        _answers = mark.Count1;
        _authority = mark.Count2;
        _additional = mark.Count3;
    }

    public bool TryWriteQuestion(scoped ReadOnlySpan<byte> name, DnsRecordType type, DnsClass @class)
    {
        EnterSection(DnsSection.Question);
        var mark = Mark();
        if (!TryWriteName(name) || !TryWriteUInt16((ushort)type) || !TryWriteUInt16((ushort)@class))
        {
            Rewind(mark);
            return false;
        }
        _questions++;
        return true;
    }

    /// <summary>Writes a record whose RDATA is opaque bytes (A, AAAA, TXT, unknown types).</summary>
    public bool TryWriteRecord(DnsSection section, scoped ReadOnlySpan<byte> owner, DnsRecordType type, ushort rawClass, uint ttl, scoped ReadOnlySpan<byte> data)
    {
        var mark = Mark();
        if (!TryBeginRecord(section, owner, type, rawClass, ttl, out int lengthAt) || !TryWriteBytes(data))
        {
            Rewind(mark);
            return false;
        }
        EndRecord(section, lengthAt);
        return true;
    }

    /// <summary>Writes NS, CNAME or PTR: RDATA is one name, compressed (RFC 3597 allows it for these well-known types).</summary>
    public bool TryWriteNameRecord(DnsSection section, scoped ReadOnlySpan<byte> owner, DnsRecordType type, uint ttl, scoped ReadOnlySpan<byte> target)
    {
        var mark = Mark();
        if (!TryBeginRecord(section, owner, type, (ushort)DnsClass.IN, ttl, out int lengthAt) || !TryWriteName(target))
        {
            Rewind(mark);
            return false;
        }
        EndRecord(section, lengthAt);
        return true;
    }

    public bool TryWriteSoa(
        DnsSection section, scoped ReadOnlySpan<byte> owner, uint ttl, scoped ReadOnlySpan<byte> primaryName, scoped ReadOnlySpan<byte> mailbox,
        uint serial, uint refresh, uint retry, uint expire, uint minimum)
    {
        var mark = Mark();
        if (!TryBeginRecord(section, owner, DnsRecordType.SOA, (ushort)DnsClass.IN, ttl, out int lengthAt)
            || !TryWriteName(primaryName) || !TryWriteName(mailbox)
            || !TryWriteUInt32(serial) || !TryWriteUInt32(refresh) || !TryWriteUInt32(retry)
            || !TryWriteUInt32(expire) || !TryWriteUInt32(minimum))
        {
            Rewind(mark);
            return false;
        }
        EndRecord(section, lengthAt);
        return true;
    }

    /// <summary>Writes the OPT pseudo-record (RFC 6891 section 6.1.2) into the additional section.</summary>
    public bool TryWriteOpt(ushort udpPayloadSize, byte extendedResponseCode, byte version, bool dnssecOk, scoped ReadOnlySpan<byte> options = default)
    {
        uint ttl = ((uint)extendedResponseCode << 24) | ((uint)version << 16) | (dnssecOk ? 0x8000u : 0u);
        return TryWriteRecord(DnsSection.Additional, [0], DnsRecordType.OPT, udpPayloadSize, ttl, options);
    }

    /// <summary>Writes the section counts into the header and returns the message length.</summary>
    public readonly int Finish()
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[4..], (ushort)_questions);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], (ushort)_answers);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[8..], (ushort)_authority);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[10..], (ushort)_additional);
        return _position;
    }

    private void EnterSection(DnsSection section)
    {
        if (section < _section)
            throw new InvalidOperationException($"DNS sections must be written in order: {section} after {_section}");
        _section = section;
    }

    private bool TryBeginRecord(DnsSection section, scoped ReadOnlySpan<byte> owner, DnsRecordType type, ushort rawClass, uint ttl, out int lengthAt)
    {
        if (section == DnsSection.Question) throw new ArgumentException("records go in the answer, authority or additional section", nameof(section));
        EnterSection(section);
        lengthAt = 0;
        if (!TryWriteName(owner) || !TryWriteUInt16((ushort)type) || !TryWriteUInt16(rawClass) || !TryWriteUInt32(ttl)) return false;
        lengthAt = _position;
        return TryWriteUInt16(0);
    }

    private void EndRecord(DnsSection section, int lengthAt)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[lengthAt..], (ushort)(_position - lengthAt - 2));
        switch (section)
        {
            case DnsSection.Answer: _answers++; break;
            case DnsSection.Authority: _authority++; break;
            default: _additional++; break;
        }
    }

    private bool TryWriteUInt16(ushort value)
    {
        if (_position + 2 > _limit) return false;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
        return true;
    }

    private bool TryWriteUInt32(uint value)
    {
        if (_position + 4 > _limit) return false;
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
        return true;
    }

    private bool TryWriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (_position + bytes.Length > _limit) return false;
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
        return true;
    }

    /// <summary>Writes an uncompressed wire name, replacing its longest already-written suffix by a pointer.</summary>
    private bool TryWriteName(scoped ReadOnlySpan<byte> name)
    {
        int labelStart = 0;
        while (labelStart < name.Length && name[labelStart] != 0)
        {
            var suffix = name[labelStart..];
            int match = FindWritten(suffix);
            if (match >= 0)
            {
                if (!TryWriteBytes(name[..labelStart])) return false;
                RememberLabels(name[..labelStart]);
                return TryWriteUInt16((ushort)(0xC000 | match));
            }
            labelStart += 1 + name[labelStart];
        }
        int start = _position;
        if (!TryWriteBytes(name)) return false;
        RememberLabelsAt(start, name);
        return true;
    }

    private void RememberLabels(scoped ReadOnlySpan<byte> labels) => RememberLabelsAt(_position - labels.Length, labels);

    private void RememberLabelsAt(int start, scoped ReadOnlySpan<byte> labels)
    {
        for (int i = 0; i < labels.Length && labels[i] != 0; i += 1 + labels[i])
        {
            int offset = start + i;
            // Pointers have 14 bits; a name written later in a 64 KiB TCP message cannot be pointed at.
            if (offset > 0x3FFF || _compressionCount >= _compression.Length) return;
            _compression[_compressionCount++] = (ushort)offset;
        }
    }

    private readonly int FindWritten(scoped ReadOnlySpan<byte> suffix)
    {
        for (int i = 0; i < _compressionCount; i++)
        {
            if (WrittenNameEquals(_compression[i], suffix)) return _compression[i];
        }
        return -1;
    }

    /// <summary>Compares the (possibly compressed) name at <paramref name="offset"/> of the output with an uncompressed name, ignoring ASCII case.</summary>
    private readonly bool WrittenNameEquals(int offset, scoped ReadOnlySpan<byte> name)
    {
        int i = 0;
        int position = offset;
        while (true)
        {
            byte length = _buffer[position];
            if ((length & 0xC0) == 0xC0)
            {
                position = ((length & 0x3F) << 8) | _buffer[position + 1];
                continue;
            }
            if (length != name[i]) return false;
            if (length == 0) return true;
            if (!DnsName.LabelEqualsIgnoreCase(_buffer.Slice(position + 1, length), name.Slice(i + 1, length))) return false;
            position += 1 + length;
            i += 1 + length;
        }
    }
}
