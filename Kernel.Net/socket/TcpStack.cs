using System;
using System.Collections.Generic;
using Kernel.Net.Wire;

namespace Kernel.Net.Sockets
{
    /// <summary>
    /// Every TCP socket of one interface: listeners by port, connections by (remote address,
    /// remote port, local port), a pool of connection objects reused so steady state allocates
    /// nothing, and the answers for segments nobody owns (RST, RFC 9293 3.10.7.1).
    /// It also decides who gets a slot when slots run out (TcpConfig): SYN cookies once a listener's
    /// half-open table is full, a share per remote address, and eviction of the connection that made
    /// no progress for the longest, so floods and slow clients cannot lock new clients out.
    /// </summary>
    public sealed class TcpStack
    {
        private readonly TcpConfig _config;
        private readonly Dictionary<ushort, TcpListener> _listeners = new Dictionary<ushort, TcpListener>();
        private readonly Dictionary<ConnectionKey, TcpConnection> _byKey = new Dictionary<ConnectionKey, TcpConnection>();
        private readonly List<TcpConnection> _active = new List<TcpConnection>();
        private readonly List<TcpConnection> _free = new List<TcpConnection>(); // a stack; List is in the portable subset
        private readonly ulong _isnSecret;
        private readonly SynCookie _cookies;
        private ulong _random;
        private long _lastCookieSentAt = long.MinValue;
        private ushort _nextEphemeralPort = 49152;

        public TcpStack(TcpConfig config, ulong isnSecret, int mtu)
        {
            _config = config;
            _isnSecret = isnSecret;
            _cookies = new SynCookie(Mix(isnSecret ^ 0x636F_6F6B_6965_0001UL), Mix(isnSecret ^ 0x636F_6F6B_6965_0002UL));
            _random = Mix(isnSecret ^ 0x7261_6E64UL) | 1;
            OurMss = mtu - Ipv4Packet.MinHeaderLength - TcpSegment.MinHeaderLength;
        }

        /// <summary>The MSS we announce: the largest segment our link carries.</summary>
        public int OurMss { get; }

        public TcpConfig Config => _config;

        public TcpCounters Counters { get; } = new TcpCounters();

        /// <summary>Connection objects in use, TIME-WAIT and those waiting to be recycled included.</summary>
        public int ConnectionCount => _active.Count;

        /// <summary>SYN-RECEIVED connections over all listeners.</summary>
        public int HalfOpenCount
        {
            get
            {
                int n = 0;
                foreach (TcpListener l in _listeners.Values) n += l.HalfOpen;
                return n;
            }
        }

        /// <summary>Connections that exist now, for the socket host to deliver events from.</summary>
        public List<TcpConnection> Connections => _active;

        public TcpListener Listen(ushort port, int backlog)
        {
            if (_listeners.ContainsKey(port)) throw new InvalidOperationException("port " + port.ToString() + " already has a listener");
            var l = new TcpListener(port, backlog);
            _listeners[port] = l;
            return l;
        }

        /// <summary>Active open from <paramref name="local"/>; the SYN leaves on the next Dispatch.
        /// Null when the connection table is full (the application's own connections evict nobody).</summary>
        public TcpConnection? Connect(long now, Ipv4Address local, Ipv4Address remote, ushort remotePort)
        {
            Survey s = TakeSurvey(now, remote);
            if (s.Live >= _config.MaxConnections) return null;
            TcpConnection c = NewConnection(s.OldestTimeWait);
            ushort port = NextEphemeralPort(remote, remotePort);
            c.InitActive(now, local, port, remote, remotePort, InitialSequenceNumber(now, local, port, remote, remotePort));
            Track(c);
            return c;
        }

        /// <summary>SEGMENT ARRIVES: to its connection, its listener, or answered with RST.</summary>
        public void Process(long now, Ipv4Address source, Ipv4Address destination, TcpSegment seg, IIpv4Output output)
        {
            var key = new ConnectionKey(source, seg.SourcePort, seg.DestinationPort);
            if (_byKey.TryGetValue(key, out TcpConnection? c) && c.State != TcpState.Closed)
            {
                // RFC 6191: a new SYN beyond the old connection's sequence space may reuse a TIME-WAIT pair.
                bool reuse = c.State == TcpState.TimeWait && seg.Syn && !seg.Ack && SequenceNumber.Gt(seg.SequenceNumber, c.ReceiveNext);
                if (!reuse)
                {
                    c.Process(now, seg, output);
                    return;
                }
                c.ToClosed(TcpError.None);
            }
            if (_listeners.TryGetValue(seg.DestinationPort, out TcpListener? listener))
            {
                if (seg.Rst) return;
                if (seg.Ack)
                {
                    if (!seg.Syn && AcceptCookie(now, listener, source, destination, seg, output)) return;
                    SendReset(output, destination, source, seg.DestinationPort, seg.SourcePort, seg.AcknowledgmentNumber, 0, TcpFlags.Rst);
                    return;
                }
                if (seg.Syn) AcceptSyn(now, listener, source, destination, seg, output);
                return;
            }
            RefuseSegment(source, destination, seg, output);
        }

        /// <summary>LISTEN got a SYN (3.10.7.2). While the listener has room it keeps a half-open
        /// connection that retransmits its SYN-ACK; beyond that it answers with a cookie and keeps nothing.</summary>
        private void AcceptSyn(long now, TcpListener listener, Ipv4Address source, Ipv4Address destination, TcpSegment seg, IIpv4Output output)
        {
            if (!CouldBePeer(source)) { Counters.IgnoredBogusSource++; return; }
            if (listener.ReadyCount >= listener.Backlog) { Counters.RefusedBacklog++; return; }
            Survey s = TakeSurvey(now, source);
            bool room = listener.HalfOpen < _config.MaxHalfOpen && s.Live < _config.MaxConnections && s.FromSource < _config.MaxConnectionsPerSource;
            TcpConnection? c;
            if (room) c = NewConnection(s.OldestTimeWait);
            else if (_config.SynCookies)
            {
                SendCookie(now, source, destination, seg, output);
                return;
            }
            else if (listener.HalfOpen >= _config.MaxHalfOpen) c = ReplaceRandomHalfOpen(listener);
            else c = Admit(now, source, output, s); // without cookies even an unproven SYN may evict
            if (c is null) return;
            uint iss = InitialSequenceNumber(now, destination, seg.DestinationPort, source, seg.SourcePort);
            c.InitPassive(now, listener, destination, source, seg, iss);
            Track(c);
        }

        private void SendCookie(long now, Ipv4Address source, Ipv4Address destination, TcpSegment syn, IIpv4Output output)
        {
            int peerMss = syn.MaximumSegmentSize;
            int mss = SynCookie.Encodable(Math.Min(peerMss == 0 ? 536 : peerMss, OurMss));
            uint cookie = _cookies.Encode(now, destination, syn.DestinationPort, source, syn.SourcePort, syn.SequenceNumber, mss);
            ushort window = (ushort)Math.Min(_config.ReceiveBufferBytes, 65535);
            SendControl(output, destination, source, syn.DestinationPort, syn.SourcePort, cookie, syn.SequenceNumber + 1, TcpFlags.Syn | TcpFlags.Ack, window, OurMss);
            Counters.SynCookiesSent++;
            _lastCookieSentAt = now;
        }

        /// <summary>An ACK that matches no connection: if it acknowledges a cookie of ours, the
        /// handshake is complete and the peer's address proven, so it gets a connection (evicting an
        /// idle one if need be). False when it is no such ACK, to be answered with RST.</summary>
        private bool AcceptCookie(long now, TcpListener listener, Ipv4Address source, Ipv4Address destination, TcpSegment seg, IIpv4Output output)
        {
            // Only while cookies are being sent, as Linux does: otherwise there is nothing to guess.
            if (!_config.SynCookies || _lastCookieSentAt == long.MinValue || now - _lastCookieSentAt > 2 * SynCookie.TickNanoseconds) return false;
            uint peerIsn = seg.SequenceNumber - 1;
            int mss = _cookies.Decode(now, destination, seg.DestinationPort, source, seg.SourcePort, peerIsn, seg.AcknowledgmentNumber - 1);
            if (mss == 0) { Counters.SynCookiesRejected++; return false; }
            // Full: drop, and the peer's retransmission (data, or its next ACK) brings the cookie back.
            if (listener.ReadyCount >= listener.Backlog) { Counters.RefusedBacklog++; return true; }
            TcpConnection? c = Admit(now, source, output, TakeSurvey(now, source));
            if (c is null) return true;
            Counters.SynCookiesValidated++;
            c.InitFromCookie(now, listener, destination, source, seg, seg.AcknowledgmentNumber - 1, mss);
            Track(c);
            c.Process(now, seg, output);
            if (c.State == TcpState.SynReceived) c.ToClosed(TcpError.None);
            return true;
        }

        /// <summary>A slot for a connection from <paramref name="source"/>: over its address's share, that
        /// address's most stalled connection gives way; with the table full, the most stalled of all
        /// does. Null (counted) when the candidates all made progress recently.</summary>
        private TcpConnection? Admit(long now, Ipv4Address source, IIpv4Output output, Survey s)
        {
            if (s.FromSource >= _config.MaxConnectionsPerSource)
            {
                if (s.StalledFromSource < 0) { Counters.RefusedPerSource++; return null; }
                return Evict(s.StalledFromSource, s.OldestTimeWait, output);
            }
            if (s.Live >= _config.MaxConnections)
            {
                if (s.Stalled < 0) { Counters.RefusedTableFull++; return null; }
                return Evict(s.Stalled, s.OldestTimeWait, output);
            }
            return NewConnection(s.OldestTimeWait);
        }

        private TcpConnection Evict(int index, int oldestTimeWait, IIpv4Output output)
        {
            TcpConnection victim = _active[index];
            victim.Evict(output);
            Counters.EvictedIdle++;
            // The application may still hold it (it learns of the reset on its next turn); then the
            // object is recycled later and the newcomer gets another.
            if (victim.AppOwned || victim.InAcceptQueue) return NewConnection(oldestTimeWait);
            return Untrack(index);
        }

        /// <summary>RFC 4987 3.4 random drop, for when cookies are off: a spoofed SYN's entry is as likely to go as any.</summary>
        private TcpConnection? ReplaceRandomHalfOpen(TcpListener listener)
        {
            if (listener.HalfOpen <= 0) return null;
            _random ^= _random << 13;
            _random ^= _random >> 7;
            _random ^= _random << 17;
            int pick = (int)(_random % (ulong)listener.HalfOpen);
            for (int i = 0; i < _active.Count; i++)
            {
                TcpConnection c = _active[i];
                if (c.State != TcpState.SynReceived || c.Listener != listener || pick-- > 0) continue;
                c.ToClosed(TcpError.None);
                Counters.HalfOpenDropped++;
                return Untrack(i);
            }
            return null;
        }

        /// <summary>One pass over the table: how full it is, how much of it <paramref name="source"/>
        /// holds, the TIME-WAIT to reclaim first, and the connections stalled longest (those that made
        /// no progress for TcpConfig.EvictIdleAfterNanoseconds; the application's own active opens never count).</summary>
        private Survey TakeSurvey(long now, Ipv4Address source)
        {
            var s = new Survey { OldestTimeWait = -1, Stalled = -1, StalledFromSource = -1 };
            long stalledSince = now - _config.EvictIdleAfterNanoseconds, globalOldest = long.MaxValue, sourceOldest = long.MaxValue;
            for (int i = 0; i < _active.Count; i++)
            {
                TcpConnection c = _active[i];
                TcpState state = c.State;
                if (state == TcpState.Closed) continue;
                if (state == TcpState.TimeWait)
                {
                    if (s.OldestTimeWait < 0 || c.TimeWaitUntil < _active[s.OldestTimeWait].TimeWaitUntil) s.OldestTimeWait = i;
                    continue;
                }
                s.Live++;
                bool fromSource = c.RemoteAddress == source;
                if (fromSource) s.FromSource++;
                long progress = c.LastProgress;
                if (c.Listener is null || state == TcpState.SynSent || progress > stalledSince) continue;
                if (progress < globalOldest) { globalOldest = progress; s.Stalled = i; }
                if (fromSource && progress < sourceOldest) { sourceOldest = progress; s.StalledFromSource = i; }
            }
            return s;
        }

        private struct Survey
        {
            public int Live;
            public int FromSource;
            public int OldestTimeWait;
            public int Stalled;
            public int StalledFromSource;
        }

        /// <summary>Addresses a SYN cannot truly come from (RFC 9293 3.10.7.2, RFC 1122 3.2.1.3): answering
        /// them would only aim our SYN-ACKs at broadcast or nowhere.</summary>
        private static bool CouldBePeer(Ipv4Address a)
        {
            uint first = a.Value >> 24;
            return first != 0 && first != 127 && first < 224;
        }

        /// <summary>CLOSED state (3.10.7.1): RST unless the segment is itself a RST.</summary>
        private void RefuseSegment(Ipv4Address source, Ipv4Address destination, TcpSegment seg, IIpv4Output output)
        {
            if (seg.Rst) return;
            if (seg.Ack)
                SendReset(output, destination, source, seg.DestinationPort, seg.SourcePort, seg.AcknowledgmentNumber, 0, TcpFlags.Rst);
            else
                SendReset(output, destination, source, seg.DestinationPort, seg.SourcePort, 0, seg.SequenceNumber + (uint)seg.SequenceLength, TcpFlags.Rst | TcpFlags.Ack);
        }

        internal void SendReset(IIpv4Output output, Ipv4Address local, Ipv4Address remote, ushort localPort, ushort remotePort, uint seq, uint ack, TcpFlags flags)
        {
            SendControl(output, local, remote, localPort, remotePort, seq, ack, flags, 0, 0);
            Counters.ResetsSent++;
        }

        private static void SendControl(IIpv4Output output, Ipv4Address local, Ipv4Address remote, ushort localPort, ushort remotePort, uint seq, uint ack, TcpFlags flags, ushort window, int mss)
        {
            int length = mss != 0 ? TcpSegment.HeaderLengthWithMss : TcpSegment.MinHeaderLength;
            var seg = new TcpSegment(output.PayloadBuffer.Slice(0, length));
            seg.WriteHeader(localPort, remotePort, seq, ack, flags, window, mss);
            seg.FillChecksum(local, remote);
            output.Send(remote, IpProtocol.Tcp, length);
        }

        /// <summary>Timers and output of every connection; recycles connections nobody needs any more.</summary>
        public void Dispatch(long now, IIpv4Output output)
        {
            for (int i = _active.Count - 1; i >= 0; i--)
            {
                TcpConnection c = _active[i];
                c.Dispatch(now, output);
                if (c.State == TcpState.Closed && !c.AppOwned && !c.InAcceptQueue)
                {
                    Untrack(i);
                    // Objects beyond the table's size exist only while the application held evicted ones; let them go.
                    if (_active.Count + _free.Count < _config.MaxConnections) _free.Add(c);
                }
            }
        }

        /// <summary>Earliest time Dispatch has work (0: now; long.MaxValue: never).</summary>
        public long NextDeadline()
        {
            long d = long.MaxValue;
            foreach (TcpConnection c in _active) d = Math.Min(d, c.NextDeadline());
            return d;
        }

        /// <summary>A connection object: a pooled one, else the oldest TIME-WAIT's once the table's
        /// objects are all in use (RFC 9293 lets a unikernel short of memory do that), else a new one.</summary>
        private TcpConnection NewConnection(int oldestTimeWait)
        {
            if (_free.Count > 0) return PopFree();
            if (oldestTimeWait >= 0 && _active.Count >= _config.MaxConnections)
            {
                _active[oldestTimeWait].ToClosed(TcpError.None);
                Counters.TimeWaitReclaimed++;
                return Untrack(oldestTimeWait);
            }
            return new TcpConnection(this, _config);
        }

        private void Track(TcpConnection c)
        {
            _byKey[new ConnectionKey(c.RemoteAddress, c.RemotePort, c.LocalPort)] = c;
            _active.Add(c);
        }

        /// <summary>Forgets a closed connection; the caller reuses or pools the object.</summary>
        private TcpConnection Untrack(int index)
        {
            TcpConnection c = _active[index];
            _active[index] = _active[_active.Count - 1];
            _active.RemoveAt(_active.Count - 1);
            var key = new ConnectionKey(c.RemoteAddress, c.RemotePort, c.LocalPort);
            if (_byKey.TryGetValue(key, out TcpConnection? owner) && owner == c) _byKey.Remove(key);
            return c;
        }

        private TcpConnection PopFree()
        {
            TcpConnection c = _free[_free.Count - 1];
            _free.RemoveAt(_free.Count - 1);
            return c;
        }

        private ushort NextEphemeralPort(Ipv4Address remote, ushort remotePort)
        {
            for (int tries = 0; tries < 16384; tries++)
            {
                ushort p = _nextEphemeralPort;
                _nextEphemeralPort = p == 65535 ? (ushort)49152 : (ushort)(p + 1);
                if (!_listeners.ContainsKey(p) && !_byKey.ContainsKey(new ConnectionKey(remote, remotePort, p))) return p;
            }
            throw new InvalidOperationException("no free ephemeral port: close some connections");
        }

        /// <summary>RFC 6528: a 4 µs clock plus a keyed hash of the connection's addresses.</summary>
        private uint InitialSequenceNumber(long now, Ipv4Address local, ushort localPort, Ipv4Address remote, ushort remotePort)
        {
            ulong h = _isnSecret ^ ((ulong)local.Value << 32 | remote.Value);
            h = Mix(h ^ ((ulong)localPort << 16 | remotePort));
            h = Mix(h ^ _isnSecret);
            return (uint)(now / 4000) + (uint)h;
        }

        private static ulong Mix(ulong x)
        {
            x ^= x >> 33;
            x *= 0xFF51_AFD7_ED55_8CCDUL;
            x ^= x >> 33;
            x *= 0xC4CE_B9FE_1A85_EC53UL;
            x ^= x >> 33;
            return x;
        }

        private readonly struct ConnectionKey : IEquatable<ConnectionKey>
        {
            private readonly uint _remote;
            private readonly uint _ports;

            public ConnectionKey(Ipv4Address remote, ushort remotePort, ushort localPort)
            {
                _remote = remote.Value;
                _ports = (uint)remotePort << 16 | localPort;
            }

            public bool Equals(ConnectionKey other) => _remote == other._remote && _ports == other._ports;

            public override bool Equals(object? obj) => obj is ConnectionKey other && Equals(other);

            public override int GetHashCode() => (int)(_remote * 2654435761u ^ _ports);
        }
    }
}
