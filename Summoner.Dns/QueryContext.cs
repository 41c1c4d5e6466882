using System.Runtime.CompilerServices;
using Summoner.Dns.Wire;

namespace Summoner.Dns;

/// <summary>Room for one uncompressed name, inline so a query's context lives on the stack.</summary>
[InlineArray(DnsLimits.MaxNameLength)]
internal struct NameBuffer
{
    private byte _first;
}

/// <summary>What the responder keeps of a query once it is parsed: enough to answer it after an await.</summary>
internal struct QueryContext
{
    public ushort Id;
    public ushort RequestFlags;
    public bool HasQuestion;
    public NameBuffer Name;
    public int NameLength;
    public DnsRecordType Type;
    public DnsClass Class;
    public bool HasOpt;
    public ushort RequesterPayload;
    public bool DnssecOk;
    public int Limit;

    /// <summary>The request carried a TSIG (last record of the message); this server knows no keys.</summary>
    public bool HasTsig;
    public NameBuffer TsigKey;
    public int TsigKeyLength;
    public NameBuffer TsigAlgorithm;
    public int TsigAlgorithmLength;
    /// <summary>Time Signed (48 bits) and Fudge of the request, echoed in the unsigned error (RFC 8945 5.3.2).</summary>
    public ulong TsigTimeSigned;
    public ushort TsigFudge;

    public readonly DnsOpcode Opcode => (DnsOpcode)((RequestFlags >> 11) & 0xF);

    /// <summary>
    /// Response flags: QR, the query's opcode, and for QUERY the RD and CD bits copied (RFC 1035 4.1.1,
    /// RFC 6840 5.9). Other opcodes give those bits no meaning we know, so NOTIMP leaves them clear, as NSD does.
    /// </summary>
    public readonly ushort ResponseFlags(bool authoritative, int responseCodeLowBits) =>
        (ushort)(DnsHeader.ComposeFlags(true, Opcode, responseCodeLowBits)
            | (Opcode == DnsOpcode.Query ? RequestFlags & (DnsHeader.RecursionDesiredFlag | DnsHeader.CheckingDisabledFlag) : 0)
            | (authoritative ? DnsHeader.AuthoritativeFlag : 0));
}
