using System;
using System.Collections.Generic;
using Kernel.Net.Wire;

namespace Kernel.Net.App
{
    /// <summary>The outcome of a lookup: an address, or why there is none.</summary>
    public readonly struct ResolveResult
    {
        public ResolveResult(Ipv4Address address) { Address = address; Error = null; }

        public ResolveResult(string error) { Address = default; Error = error; }

        public Ipv4Address Address { get; }

        /// <summary>Null on success; otherwise what went wrong, for a log line.</summary>
        public string? Error { get; }

        public bool Succeeded => Error is null;
    }

    /// <summary>
    /// A DNS stub resolver (RFC 1035) for apps, over the host's UDP: A records only, recursion
    /// desired, from one resolver (the <c>dns=</c> setting: QEMU user networking's 10.0.2.3, or the
    /// one Summoner configures). Answers are cached for their TTL (the smallest A record's, capped
    /// at an hour); a query that gets no answer is sent again up to <c>dns_retries</c> times, each
    /// waiting <c>dns_timeout_ms</c>. A truncated answer is an error: there is no TCP fallback, and
    /// an A-record answer that does not fit 512 bytes is not something a stub should expect.
    /// </summary>
    public sealed class DnsResolver : IDatagramHandler
    {
        private const ushort DnsPort = 53;
        private const long MaxTtlNanoseconds = 3600L * 1_000_000_000;
        private readonly IServiceHost _host;
        private readonly Ipv4Address _server;
        private readonly bool _configured;
        private readonly long _timeout;
        private readonly int _retries;
        private readonly Dictionary<string, CacheEntry> _cache = new Dictionary<string, CacheEntry>();
        private readonly List<Query> _pending = new List<Query>();
        private readonly byte[] _buffer = new byte[1500];
        private IDatagramSocket? _socket;
        private uint _idState;

        public DnsResolver(IServiceHost host, Ipv4Address server, long timeoutNanoseconds = 2_000_000_000, int retries = 2)
        {
            _host = host ?? throw new ArgumentNullException(nameof(host));
            _server = server;
            _configured = !server.IsUnspecified;
            _timeout = timeoutNanoseconds;
            _retries = retries;
            _idState = (uint)host.NowNanoseconds | 1;
        }

        /// <summary>From the host's settings: <c>dns=ADDR</c> (none: every lookup fails with a clear
        /// error), <c>dns_timeout_ms</c> [2000], <c>dns_retries</c> [2].</summary>
        public static DnsResolver FromSettings(IServiceHost host)
        {
            ArgumentNullException.ThrowIfNull(host);
            Ipv4Address server;
            if (!Ipv4Address.TryParse(host.Setting("dns"), out server)) server = Ipv4Address.Any;
            return new DnsResolver(host, server, IntSetting(host, "dns_timeout_ms", 2000) * 1_000_000L, IntSetting(host, "dns_retries", 2));
        }

        /// <summary>Queries sent, retries included (tests and stats).</summary>
        public long QueriesSent { get; private set; }

        /// <summary>Looks <paramref name="name"/> up (a dotted quad answers itself).</summary>
        public LoopOperation<ResolveResult> ResolveAsync(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            Ipv4Address literal;
            if (Ipv4Address.TryParse(name, out literal)) return new LoopOperation<ResolveResult>(new ResolveResult(literal));
            string key = Normalize(name);
            if (key.Length == 0) return Fail("'" + name + "' is not a host name (letters, digits, '-' and '.', labels of 1-63 characters)");
            if (!_configured) return Fail("no DNS resolver: set dns=ADDR (Summoner passes its own in the service's settings)");
            CacheEntry cached;
            if (_cache.TryGetValue(key, out cached))
            {
                if (cached.ExpiresAt > _host.NowNanoseconds) return new LoopOperation<ResolveResult>(new ResolveResult(cached.Address));
                _cache.Remove(key);
            }
            if (_socket is null)
            {
                IClientHost? client = _host as IClientHost;
                if (client is null) return Fail("this host has no UDP sockets");
                _socket = client.BindUdp(0, this);
            }
            var query = new Query(key, NextId());
            _pending.Add(query);
            LoopOperation<ResolveResult> operation = query.Completion.Begin();
            Send(query);
            return operation;
        }

        /// <summary>Forgets cached answers.</summary>
        public void Flush() => _cache.Clear();

        void IDatagramHandler.OnDatagram(IDatagramSocket socket)
        {
            int n;
            Ipv4Address source;
            ushort sourcePort;
            while ((n = socket.ReceiveFrom(_buffer, out source, out sourcePort)) >= 0)
            {
                // Only the resolver's own answers count: anything else could be a spoofing attempt.
                if (source != _server || sourcePort != DnsPort || n < 12) continue;
                ushort id = (ushort)((_buffer[0] << 8) | _buffer[1]);
                for (int i = 0; i < _pending.Count; i++)
                {
                    Query q = _pending[i];
                    if (q.Id != id) continue;
                    ResolveResult result;
                    long ttl;
                    if (!Parse(_buffer.AsSpan(0, n), q.Name, out result, out ttl)) break; // not an answer to it: keep waiting
                    if (result.Succeeded) _cache[q.Name] = new CacheEntry(result.Address, _host.NowNanoseconds + ttl);
                    Finish(i, result);
                    break;
                }
            }
        }

        private void Send(Query q)
        {
            QueriesSent++;
            int length = Encode(q.Name, q.Id, _buffer);
            _socket!.SendTo(_server, DnsPort, _buffer.AsSpan(0, length));
            q.Timer = _host.ScheduleTimer(_timeout, () => Expire(q));
        }

        private void Expire(Query q)
        {
            // By hand: List<T>.IndexOf would bring the generic equality machinery into the image.
            int i = _pending.Count - 1;
            while (i >= 0 && (object)_pending[i] != q) i--;
            if (i < 0) return;
            if (q.Attempts++ < _retries) { Send(q); return; }
            Finish(i, new ResolveResult("no answer for " + q.Name + " from the resolver " + ToText(_server) + " after " + (_retries + 1).ToString() + " tries"));
        }

        private void Finish(int index, ResolveResult result)
        {
            Query q = _pending[index];
            _pending.RemoveAt(index);
            if (q.Timer >= 0) _host.CancelTimer(q.Timer);
            q.Completion.Complete(result);
        }

        private ushort NextId()
        {
            // xorshift: IDs a blind spoofer cannot guess from the previous one (the port is random-ish too).
            _idState ^= _idState << 13;
            _idState ^= _idState >> 17;
            _idState ^= _idState << 5;
            return (ushort)_idState;
        }

        private static LoopOperation<ResolveResult> Fail(string error) => new LoopOperation<ResolveResult>(new ResolveResult(error));

        /// <summary>Lower-case name without a trailing dot, or "" when it is not a valid host name.</summary>
        internal static string Normalize(string name)
        {
            if (name.Length > 0 && name[name.Length - 1] == '.') name = name.Substring(0, name.Length - 1);
            if (name.Length == 0 || name.Length > 253) return "";
            var chars = new char[name.Length];
            int label = 0;
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
                if (c == '.')
                {
                    if (label == 0) return "";
                    label = 0;
                }
                else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
                {
                    if (++label > 63) return "";
                }
                else return "";
                chars[i] = c;
            }
            return label == 0 ? "" : new string(chars);
        }

        /// <summary>A standard query with RD for one A record of <paramref name="name"/>; returns its length.</summary>
        internal static int Encode(string name, ushort id, Span<byte> buffer)
        {
            buffer.Slice(0, 12).Clear();
            buffer[0] = (byte)(id >> 8);
            buffer[1] = (byte)id;
            buffer[2] = 0x01; // RD
            buffer[5] = 1;    // QDCOUNT
            int at = 12;
            int start = 0;
            for (int i = 0; i <= name.Length; i++)
            {
                if (i < name.Length && name[i] != '.') continue;
                buffer[at++] = (byte)(i - start);
                for (int j = start; j < i; j++) buffer[at++] = (byte)name[j];
                start = i + 1;
            }
            buffer[at++] = 0;
            buffer[at++] = 0; buffer[at++] = 1; // QTYPE A
            buffer[at++] = 0; buffer[at++] = 1; // QCLASS IN
            return at;
        }

        /// <summary>Reads an answer to <paramref name="name"/>: false when it is not one (malformed, wrong
        /// question); otherwise the address and its TTL, or the error the resolver reported.</summary>
        internal static bool Parse(ReadOnlySpan<byte> m, string name, out ResolveResult result, out long ttlNanoseconds)
        {
            result = default;
            ttlNanoseconds = 0;
            if (m.Length < 12 || (m[2] & 0x80) == 0 || ((m[2] >> 3) & 0xF) != 0) return false;
            int qd = (m[4] << 8) | m[5];
            int an = (m[6] << 8) | m[7];
            if (qd != 1) return false;
            int at = 12;
            if (!NameEquals(m, ref at, name) || at + 4 > m.Length) return false;
            if (m[at] != 0 || m[at + 1] != 1 || m[at + 2] != 0 || m[at + 3] != 1) return false;
            at += 4;
            int rcode = m[3] & 0xF;
            if (rcode == 3) { result = new ResolveResult("no such name: " + name); return true; }
            if (rcode != 0) { result = new ResolveResult("the resolver answered " + name + " with error code " + rcode.ToString()); return true; }
            if ((m[2] & 0x02) != 0) { result = new ResolveResult("the answer for " + name + " was truncated (no TCP fallback)"); return true; }
            bool found = false;
            Ipv4Address address = default;
            long ttl = long.MaxValue;
            for (int i = 0; i < an; i++)
            {
                if (!SkipName(m, ref at) || at + 10 > m.Length) return false;
                int type = (m[at] << 8) | m[at + 1];
                int klass = (m[at + 2] << 8) | m[at + 3];
                uint recordTtl = (uint)((m[at + 4] << 24) | (m[at + 5] << 16) | (m[at + 6] << 8) | m[at + 7]);
                int rdLength = (m[at + 8] << 8) | m[at + 9];
                at += 10;
                if (at + rdLength > m.Length) return false;
                // The stub asked with RD, so a CNAME chain comes with the final A records in the same answer.
                if (type == 1 && klass == 1 && rdLength == 4)
                {
                    if (!found) address = Ipv4Address.Read(m.Slice(at, 4));
                    found = true;
                    // RFC 2181 8: a TTL with the top bit set is read as zero.
                    long seconds = recordTtl > int.MaxValue ? 0 : recordTtl;
                    ttl = Math.Min(ttl, seconds * 1_000_000_000L);
                }
                at += rdLength;
            }
            if (!found) { result = new ResolveResult("no A record for " + name); return true; }
            result = new ResolveResult(address);
            ttlNanoseconds = Math.Min(ttl, MaxTtlNanoseconds);
            return true;
        }

        private static bool NameEquals(ReadOnlySpan<byte> m, ref int at, string name)
        {
            int index = 0;
            while (true)
            {
                if (at >= m.Length) return false;
                int length = m[at++];
                if (length == 0) return index == name.Length;
                if (length > 63 || at + length > m.Length) return false;
                if (index > 0) { if (index >= name.Length || name[index] != '.') return false; index++; }
                for (int i = 0; i < length; i++)
                {
                    int c = m[at + i];
                    if (c >= 'A' && c <= 'Z') c += 32;
                    if (index >= name.Length || name[index] != c) return false;
                    index++;
                }
                at += length;
            }
        }

        private static bool SkipName(ReadOnlySpan<byte> m, ref int at)
        {
            while (at < m.Length)
            {
                int length = m[at];
                if ((length & 0xC0) == 0xC0) { at += 2; return at <= m.Length; }
                if (length > 63) return false;
                at += 1 + length;
                if (length == 0) return at <= m.Length;
            }
            return false;
        }

        private static string ToText(Ipv4Address a)
        {
            uint v = a.Value;
            return (v >> 24).ToString() + "." + ((v >> 16) & 255).ToString() + "." + ((v >> 8) & 255).ToString() + "." + (v & 255).ToString();
        }

        private static int IntSetting(IServiceHost host, string key, int fallback)
        {
            string? text = host.Setting(key);
            int value;
            return text is not null && int.TryParse(text, out value) && value >= 0 ? value : fallback;
        }

        private readonly struct CacheEntry
        {
            public CacheEntry(Ipv4Address address, long expiresAt) { Address = address; ExpiresAt = expiresAt; }

            public Ipv4Address Address { get; }

            public long ExpiresAt { get; }
        }

        private sealed class Query
        {
            public Query(string name, ushort id) { Name = name; Id = id; }

            public string Name { get; }

            public ushort Id { get; }

            public int Attempts { get; set; }

            public int Timer { get; set; } = -1;

            public LoopCompletion<ResolveResult> Completion { get; } = new LoopCompletion<ResolveResult>();
        }
    }
}
