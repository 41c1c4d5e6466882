namespace Summoner.Dns.Wire;

/// <summary>Resource record types this server knows by name; any other value travels as opaque RDATA.</summary>
#pragma warning disable CA1008 // Type 0 is reserved on the wire; a "None" member would invite its use.
public enum DnsRecordType : ushort
#pragma warning restore CA1008
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    TXT = 16,
    AAAA = 28,
    OPT = 41,
    TSIG = 250,
    IXFR = 251,
    AXFR = 252,
    MAILB = 253,
    MAILA = 254,
    ANY = 255,
}

/// <summary>Record classes; only IN is served, the others exist so a query for them can be refused by name.</summary>
#pragma warning disable CA1008 // Class 0 is reserved on the wire.
public enum DnsClass : ushort
#pragma warning restore CA1008
{
    IN = 1,
    CH = 3,
    HS = 4,
    None = 254,
    Any = 255,
}

public enum DnsOpcode : byte
{
    Query = 0,
    InverseQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>Response codes, including the extended ones that need an OPT record to carry their upper bits.</summary>
public enum DnsResponseCode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    NotAuth = 9,
    BadVers = 16,
}

/// <summary>TSIG error field values (RFC 8945 section 3): only what this server sends.</summary>
public static class TsigError
{
    public const ushort BadKey = 17;
}

public enum DnsSection : byte
{
    Question = 0,
    Answer = 1,
    Authority = 2,
    Additional = 3,
}

/// <summary>Wire limits from RFC 1035 section 2.3.4 and RFC 6891.</summary>
public static class DnsLimits
{
    public const int HeaderLength = 12;
    public const int MaxLabelLength = 63;
    /// <summary>Uncompressed wire length of a name, including the root label's zero byte.</summary>
    public const int MaxNameLength = 255;
    public const int MaxMessageLength = 65535;
    public const int MinUdpPayload = 512;
}
