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

    public readonly DnsOpcode Opcode => (DnsOpcode)((RequestFlags >> 11) & 0xF);

    /// <summary>Response flags: QR, the query's opcode, RD and CD copied (RFC 1035 4.1.1, RFC 6840 5.9).</summary>
    public readonly ushort ResponseFlags(bool authoritative, int responseCodeLowBits) =>
        (ushort)(DnsHeader.ComposeFlags(true, Opcode, responseCodeLowBits)
            | (RequestFlags & (DnsHeader.RecursionDesiredFlag | DnsHeader.CheckingDisabledFlag))
            | (authoritative ? DnsHeader.AuthoritativeFlag : 0));
}
