using System.Buffers.Binary;
using System.Net;
using Summoner.Dns.Wire;
using Summoner.Dns.Zones;

namespace Summoner.Dns;

/// <summary>
/// Turns one query message into one response message, transport-independent. Static answers are
/// written synchronously without allocating; a service name awaits the <see cref="IServiceAnswerSource"/>
/// under the deadline. The only messages left unanswered are those with no header to answer to and
/// those that are themselves responses (answering them would let two servers loop).
/// </summary>
public sealed class DnsResponder
{
    private const int CompressionEntries = 64;
    private const int OptLength = 11;
    private const int MaxCnameChain = 8;

    private ZoneCatalog _zones;
    private readonly IServiceAnswerSource? _services;
    private readonly DnsServerOptions _options;

    public DnsResponder(ZoneCatalog zones, IServiceAnswerSource? services, DnsServerOptions options, DnsCounters counters)
    {
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        options.Validate();
        _zones = zones;
        _services = services;
        _options = options;
        Counters = counters;
    }

    public DnsCounters Counters { get; }

    /// <summary>
    /// The zones answered from. Replacing them (a reload) is one reference swap: each query reads
    /// the catalog once, so it is answered wholly from the old zones or wholly from the new ones.
    /// </summary>
    public ZoneCatalog Zones
    {
        get => Volatile.Read(ref _zones);
        set => Volatile.Write(ref _zones, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>
    /// Answers <paramref name="query"/> into <paramref name="response"/> (64 KiB for TCP; for UDP at least
    /// <see cref="DnsServerOptions.MaxUdpPayload"/>) and returns the response length, 0 for a deliberate drop.
    /// <paramref name="query"/> is only read before this method returns.
    /// </summary>
    public ValueTask<int> RespondAsync(ReadOnlySpan<byte> query, Memory<byte> response, DnsTransport transport, CancellationToken cancellationToken) =>
        RespondAsync(query, response, transport, null, cancellationToken);

    /// <param name="client">The client's address, handed to the service source (<see cref="ServiceQuery.Client"/>).</param>
    public ValueTask<int> RespondAsync(ReadOnlySpan<byte> query, Memory<byte> response, DnsTransport transport, System.Net.SocketAddress? client, CancellationToken cancellationToken)
    {
        Counters.Query(transport);
        var context = default(QueryContext);
        var parse = Parse(query, transport, ref context);
        if (parse == ParseOutcome.Drop)
        {
            Counters.Dropped();
            return new ValueTask<int>(0);
        }
        context.Limit = Math.Min(context.Limit, response.Length);
        if (parse != ParseOutcome.Answer) return new ValueTask<int>(WriteError(ref context, response.Span, ErrorCode(parse), authoritative: false));

        ReadOnlySpan<byte> name = context.Name[..context.NameLength];
        var zone = Zones.Find(name);
        if (zone is null || context.Class != DnsClass.IN)
            return new ValueTask<int>(WriteError(ref context, response.Span, DnsResponseCode.Refused, authoritative: false));
        if (context.Type is DnsRecordType.AXFR or DnsRecordType.IXFR)
            return new ValueTask<int>(WriteError(ref context, response.Span, DnsResponseCode.Refused, authoritative: false));
        // MAILA and MAILB (RFC 1035 3.2.3) are answered like any type the name lacks: NODATA, as NSD does.

        var node = zone.Find(name);
        // A summon is worth a boot only when its answer can hold an address: AAAA without IPv6, and ANY (whose
        // one-RRset answer, RFC 8482, resolvers never use to find an address), get NODATA and leave the guest cold.
        bool canAnswer = context.Type == DnsRecordType.A || (context.Type == DnsRecordType.AAAA && node?.ServiceHasIpv6 == true);
        if (node?.Service is { } service && canAnswer)
        {
            if (_services is null)
            {
                // A service name with nothing to ask about it: failing loudly beats a NODATA that resolvers would cache.
                Counters.ServiceFailed();
                return new ValueTask<int>(WriteError(ref context, response.Span, DnsResponseCode.ServFail, authoritative: false));
            }
            var serviceQuery = new ServiceQuery(service, context.Type == DnsRecordType.AAAA ? DnsRecordType.AAAA : DnsRecordType.A) { Client = client };
            ValueTask<ServiceAnswer> pending;
            try
            {
                pending = _services.ResolveAsync(serviceQuery, cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Counters.ServiceFailed();
                return new ValueTask<int>(WriteError(ref context, response.Span, DnsResponseCode.ServFail, authoritative: false));
            }
            if (pending.IsCompletedSuccessfully)
                return new ValueTask<int>(WriteServiceAnswer(ref context, zone, response.Span, pending.Result));
            return AwaitServiceAsync(context, zone, pending, response, cancellationToken);
        }
        return new ValueTask<int>(WriteStatic(ref context, zone, node, response.Span));
    }

    private async ValueTask<int> AwaitServiceAsync(QueryContext context, Zone zone, ValueTask<ServiceAnswer> pending, Memory<byte> response, CancellationToken cancellationToken)
    {
        ServiceAnswer answer;
        try
        {
            answer = await pending.AsTask().WaitAsync(_options.ServiceAnswerDeadline, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Counters.ServiceDeadlineExceeded();
            return WriteError(ref context, response.Span, DnsResponseCode.ServFail, authoritative: false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: still an answer, but not the service's fault.
            return WriteError(ref context, response.Span, DnsResponseCode.ServFail, authoritative: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Counters.ServiceFailed();
            return WriteError(ref context, response.Span, DnsResponseCode.ServFail, authoritative: false);
        }
        return WriteServiceAnswer(ref context, zone, response.Span, answer);
    }

    private enum ParseOutcome { Answer, Drop, FormErr, NotImp, BadVers, BadKey }

    private static DnsResponseCode ErrorCode(ParseOutcome outcome) => outcome switch
    {
        ParseOutcome.NotImp => DnsResponseCode.NotImp,
        ParseOutcome.BadVers => DnsResponseCode.BadVers,
        ParseOutcome.BadKey => DnsResponseCode.NotAuth,
        _ => DnsResponseCode.FormErr,
    };

    private ParseOutcome Parse(ReadOnlySpan<byte> query, DnsTransport transport, ref QueryContext context)
    {
        if (!DnsMessageReader.TryCreate(query, out var reader) || reader.Header.IsResponse) return ParseOutcome.Drop;
        var header = reader.Header;
        context.Id = header.Id;
        context.RequestFlags = header.Flags;
        context.Limit = transport == DnsTransport.Tcp ? DnsLimits.MaxMessageLength : DnsLimits.MinUdpPayload;
        bool isQuery = header.Opcode == DnsOpcode.Query;

        // Read the whole message first: even a FORMERR or NOTIMP answer carries an OPT when the request had one.
        Span<byte> scratch = stackalloc byte[DnsLimits.MaxNameLength];
        bool wellFormed = true;
        byte version = 0;
        int authoritySoas = 0;
        while (wellFormed && reader.NextSection is DnsSection section)
        {
            if (section == DnsSection.Question)
            {
                // Other opcodes give their sections other meanings (UPDATE's first is the zone): NOTIMP echoes none.
                bool keep = isQuery && header.QuestionCount == 1;
                if (!reader.TryReadQuestion(keep ? context.Name : scratch, out var question)) { wellFormed = false; break; }
                if (!keep) continue;
                context.HasQuestion = true;
                context.NameLength = question.NameLength;
                context.Type = question.Type;
                context.Class = question.Class;
                continue;
            }
            if (!reader.TryReadRecord(scratch, out var record)) { wellFormed = false; break; }
            // RFC 8945 5.1: a TSIG is the last record of the additional section, once; anywhere else, FORMERR.
            if (context.HasTsig) { wellFormed = false; break; }
            if (record.Type == DnsRecordType.TSIG)
            {
                if (section != DnsSection.Additional || !TryReadTsig(reader.Message, record, scratch, ref context)) { wellFormed = false; break; }
                continue;
            }
            // RFC 1995 3: an IXFR query carries the client's SOA in the authority section.
            if (section == DnsSection.Authority && record.Type == DnsRecordType.SOA) { authoritySoas++; continue; }
            if (record.Type != DnsRecordType.OPT || section != DnsSection.Additional) continue;
            // RFC 6891 6.1.1: one OPT, owned by the root.
            if (context.HasOpt || record.NameLength != 1) { wellFormed = false; break; }
            // The requester speaks EDNS even if its options are garbled: its FORMERR carries an OPT too.
            context.HasOpt = true;
            context.RequesterPayload = record.RawClass;
            version = (byte)(record.Ttl >> 16);
            context.DnssecOk = (record.Ttl & 0x8000) != 0;
            if (!OptionsAreWellFormed(record.Data)) wellFormed = false;
        }
        if (context.HasOpt && transport == DnsTransport.Udp)
            context.Limit = Math.Clamp((int)context.RequesterPayload, DnsLimits.MinUdpPayload, _options.MaxUdpPayload);

        if (!wellFormed) return ParseOutcome.FormErr;
        // The key is checked before anything else is acted on (RFC 8945 5.2); we hold none, so every key is unknown.
        if (context.HasTsig) return ParseOutcome.BadKey;
        if (!isQuery) return ParseOutcome.NotImp;
        if (!reader.IsAtEnd || !context.HasQuestion) return ParseOutcome.FormErr;
        // A query carries nothing in answer or authority (RFC 1035 4.1.2), except IXFR's one SOA (RFC 1995 3);
        // anything else is not a query we understand.
        bool ixfrSoa = context.Type == DnsRecordType.IXFR && header.AuthorityCount == 1 && authoritySoas == 1;
        if (header.AnswerCount != 0 || (header.AuthorityCount != 0 && !ixfrSoa)) return ParseOutcome.FormErr;
        if (version > 0) return ParseOutcome.BadVers;
        return ParseOutcome.Answer;
    }

    /// <summary>
    /// Keeps what an unsigned BADKEY answer echoes: key name, algorithm, time signed and fudge. False when the
    /// RDATA does not parse (RFC 8945 4.2: algorithm name, u48 time, u16 fudge, MAC, original id, error, other).
    /// </summary>
    private static bool TryReadTsig(ReadOnlySpan<byte> message, in DnsRecord record, ReadOnlySpan<byte> owner, ref QueryContext context)
    {
        owner[..record.NameLength].CopyTo(context.TsigKey);
        context.TsigKeyLength = record.NameLength;
        int dataEnd = record.DataOffset + record.Data.Length;
        if (!DnsMessageReader.TryReadName(message, record.DataOffset, context.TsigAlgorithm, out context.TsigAlgorithmLength, out int position)
            || position > dataEnd)
            return false;
        var rest = message[position..dataEnd];
        if (rest.Length < 10) return false;
        context.TsigTimeSigned = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(rest) << 32) | BinaryPrimitives.ReadUInt32BigEndian(rest[2..]);
        context.TsigFudge = BinaryPrimitives.ReadUInt16BigEndian(rest[6..]);
        int macLength = BinaryPrimitives.ReadUInt16BigEndian(rest[8..]);
        rest = rest[10..];
        if (rest.Length < macLength + 6) return false;
        rest = rest[macLength..];
        int otherLength = BinaryPrimitives.ReadUInt16BigEndian(rest[4..]);
        if (rest.Length != 6 + otherLength) return false;
        context.HasTsig = true;
        return true;
    }

    private static bool OptionsAreWellFormed(ReadOnlySpan<byte> options)
    {
        while (options.Length > 0)
        {
            if (options.Length < 4) return false;
            int length = (options[2] << 8) | options[3];
            if (options.Length < 4 + length) return false;
            options = options[(4 + length)..];
        }
        return true;
    }

    private static DnsMessageWriter BeginResponse(ref QueryContext context, Span<byte> response, Span<ushort> compression)
    {
        var writer = new DnsMessageWriter(response, compression);
        writer.Limit = context.Limit - (context.HasOpt ? OptLength : 0);
        writer.WriteHeader(context.Id, 0);
        if (context.HasQuestion)
            writer.TryWriteQuestion(context.Name[..context.NameLength], context.Type, context.Class);
        return writer;
    }

    /// <summary>Writes OPT when the query had one, sets the final flags and counts the response.</summary>
    private int EndResponse(ref QueryContext context, ref DnsMessageWriter writer, DnsResponseCode code, bool authoritative)
    {
        writer.SetFlags((ushort)(context.ResponseFlags(authoritative, (int)code & 0xF) | (writer.Flags & DnsHeader.TruncatedFlag)));
        if (context.HasOpt)
        {
            writer.Limit = context.Limit;
            writer.TryWriteOpt((ushort)_options.MaxUdpPayload, (byte)((int)code >> 4), 0, context.DnssecOk);
        }
        if (code == DnsResponseCode.NotAuth && context.HasTsig) WriteBadKeyTsig(ref context, ref writer);
        if ((writer.Flags & DnsHeader.TruncatedFlag) != 0) Counters.Truncated();
        Counters.Responded(code);
        return writer.Finish();
    }

    /// <summary>
    /// The unsigned TSIG of a BADKEY answer (RFC 8945 5.2.1, 5.3.2): the request's key and algorithm, its time
    /// and fudge, no MAC, error 17. It is the last record, after OPT.
    /// </summary>
    private static void WriteBadKeyTsig(ref QueryContext context, ref DnsMessageWriter writer)
    {
        const int AnyClass = 255;
        Span<byte> data = stackalloc byte[DnsLimits.MaxNameLength + 16];
        ReadOnlySpan<byte> algorithm = context.TsigAlgorithm[..context.TsigAlgorithmLength];
        algorithm.CopyTo(data);
        var fixedPart = data[algorithm.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, (ushort)(context.TsigTimeSigned >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart[2..], (uint)context.TsigTimeSigned);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[6..], context.TsigFudge);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[8..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[10..], context.Id);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[12..], TsigError.BadKey);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart[14..], 0);
        writer.Limit = context.Limit;
        writer.TryWriteRecord(DnsSection.Additional, context.TsigKey[..context.TsigKeyLength], DnsRecordType.TSIG, AnyClass, 0, data[..(algorithm.Length + 16)]);
    }

    private int WriteError(ref QueryContext context, Span<byte> response, DnsResponseCode code, bool authoritative)
    {
        Span<ushort> compression = stackalloc ushort[CompressionEntries];
        var writer = BeginResponse(ref context, response, compression);
        return EndResponse(ref context, ref writer, code, authoritative);
    }

    /// <summary>Drops everything after the question and sets TC (RFC 2181 9): the client must retry over TCP.</summary>
    private static void Truncate(ref DnsMessageWriter writer, DnsWriterMark afterQuestion)
    {
        writer.Rewind(afterQuestion);
        writer.SetFlags((ushort)(writer.Flags | DnsHeader.TruncatedFlag));
    }

    private int WriteStatic(ref QueryContext context, Zone zone, ZoneNode? node, Span<byte> response)
    {
        Span<ushort> compression = stackalloc ushort[CompressionEntries];
        var writer = BeginResponse(ref context, response, compression);
        var afterQuestion = writer.Mark();
        ReadOnlySpan<byte> owner = context.Name[..context.NameLength];
        var code = DnsResponseCode.NoError;

        for (int hop = 0; ; hop++)
        {
            if (node is null)
            {
                code = DnsResponseCode.NXDomain;
                if (!WriteNegativeSoa(ref writer, zone)) Truncate(ref writer, afterQuestion);
                break;
            }
            var set = context.Type == DnsRecordType.ANY ? FirstSet(node) : node.Find(context.Type);
            if (set is not null)
            {
                if (!set.TryWrite(ref writer, DnsSection.Answer, owner))
                {
                    Truncate(ref writer, afterQuestion);
                    break;
                }
                if (set.Type == DnsRecordType.NS) WriteGlue(ref writer, zone, (NameRecordSet)set);
                break;
            }
            if (node.Find(DnsRecordType.CNAME) is NameRecordSet cname && hop < MaxCnameChain)
            {
                if (!cname.TryWrite(ref writer, DnsSection.Answer, owner))
                {
                    Truncate(ref writer, afterQuestion);
                    break;
                }
                var target = cname.Targets[0];
                // Outside this zone, or a service (whose answer may need a summon), the resolver follows the chain itself.
                if (!target.IsSubdomainOf(zone.Apex)) break;
                node = zone.Find(target.Wire);
                if (node?.Service is not null) break;
                owner = target.Wire;
                continue;
            }
            // The name exists without this type: NODATA (RFC 2308 2.2).
            if (!WriteNegativeSoa(ref writer, zone)) Truncate(ref writer, afterQuestion);
            break;
        }
        return EndResponse(ref context, ref writer, code, authoritative: true);
    }

    /// <summary>RFC 8482: ANY gets one RRset, not all of them.</summary>
    private static RecordSet? FirstSet(ZoneNode node) => node.Sets.Count > 0 ? node.Sets[0] : null;

    private static bool WriteNegativeSoa(ref DnsMessageWriter writer, Zone zone) =>
        zone.Soa.TryWrite(ref writer, DnsSection.Authority, zone.Apex.Wire, zone.Soa.NegativeTtl);

    /// <summary>Addresses of in-zone name servers; optional, so what does not fit is left out without TC.</summary>
    private static void WriteGlue(ref DnsMessageWriter writer, Zone zone, NameRecordSet nameServers)
    {
        var targets = nameServers.Targets;
        for (int i = 0; i < targets.Count; i++)
        {
            var ns = targets[i];
            if (!ns.IsSubdomainOf(zone.Apex)) continue;
            var node = zone.Find(ns.Wire);
            if (node is null) continue;
            if (node.Find(DnsRecordType.A) is { } a && !a.TryWrite(ref writer, DnsSection.Additional, ns.Wire)) return;
            if (node.Find(DnsRecordType.AAAA) is { } aaaa && !aaaa.TryWrite(ref writer, DnsSection.Additional, ns.Wire)) return;
        }
    }

    private int WriteServiceAnswer(ref QueryContext context, Zone zone, Span<byte> response, ServiceAnswer answer)
    {
        if (answer.IsFailure || answer.Addresses is null)
        {
            Counters.ServiceFailed();
            return WriteError(ref context, response, DnsResponseCode.ServFail, authoritative: false);
        }
        Span<ushort> compression = stackalloc ushort[CompressionEntries];
        var writer = BeginResponse(ref context, response, compression);
        var afterQuestion = writer.Mark();
        ReadOnlySpan<byte> owner = context.Name[..context.NameLength];
        var type = context.Type == DnsRecordType.AAAA ? DnsRecordType.AAAA : DnsRecordType.A;
        var family = type == DnsRecordType.A ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        Span<byte> address = stackalloc byte[16];
        int written = 0;
        var addresses = answer.Addresses;
        for (int i = 0; i < addresses.Count; i++)
        {
            IPAddress ip = addresses[i];
            if (ip.AddressFamily != family || !ip.TryWriteBytes(address, out int length)) continue;
            if (!writer.TryWriteRecord(DnsSection.Answer, owner, type, (ushort)DnsClass.IN, answer.TtlSeconds, address[..length]))
            {
                Truncate(ref writer, afterQuestion);
                written = -1;
                break;
            }
            written++;
        }
        if (written == 0 && !WriteNegativeSoa(ref writer, zone)) Truncate(ref writer, afterQuestion);
        return EndResponse(ref context, ref writer, DnsResponseCode.NoError, authoritative: true);
    }
}
