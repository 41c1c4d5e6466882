namespace Summoner.Dns.Wire;

/// <summary>The fixed 12-byte message header (RFC 1035 section 4.1.1), flags kept as the raw 16-bit word.</summary>
public readonly record struct DnsHeader(
    ushort Id,
    ushort Flags,
    ushort QuestionCount,
    ushort AnswerCount,
    ushort AuthorityCount,
    ushort AdditionalCount)
{
    public const ushort ResponseFlag = 0x8000;
    public const ushort AuthoritativeFlag = 0x0400;
    public const ushort TruncatedFlag = 0x0200;
    public const ushort RecursionDesiredFlag = 0x0100;
    public const ushort RecursionAvailableFlag = 0x0080;
    public const ushort AuthenticDataFlag = 0x0020;
    public const ushort CheckingDisabledFlag = 0x0010;

    public bool IsResponse => (Flags & ResponseFlag) != 0;
    public DnsOpcode Opcode => (DnsOpcode)((Flags >> 11) & 0xF);
    public bool IsAuthoritative => (Flags & AuthoritativeFlag) != 0;
    public bool IsTruncated => (Flags & TruncatedFlag) != 0;
    public bool RecursionDesired => (Flags & RecursionDesiredFlag) != 0;
    public bool CheckingDisabled => (Flags & CheckingDisabledFlag) != 0;

    /// <summary>The low four bits of the response code; the upper eight live in the OPT record.</summary>
    public int ResponseCode => Flags & 0xF;

    public static ushort ComposeFlags(bool response, DnsOpcode opcode, int responseCodeLowBits) =>
        (ushort)((response ? ResponseFlag : 0) | (((int)opcode & 0xF) << 11) | (responseCodeLowBits & 0xF));
}
