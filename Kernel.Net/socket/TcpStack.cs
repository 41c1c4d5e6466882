using System;
using System.Collections.Generic;
using Kernel.Net.Wire;

namespace Kernel.Net.Sockets
{
    /// <summary>
    /// Every TCP socket of one interface: listeners by port, connections by (remote address,
    /// remote port, local port), a pool of connection objects reused so steady state allocates
    /// nothing, and the answers for segments nobody owns (RST, RFC 9293 3.10.7.1).
    /// </summary>
    public sealed class TcpStack
    {
        private readonly TcpConfig _config;
        private readonly Dictionary<ushort, TcpListener> _listeners = new Dictionary<ushort, TcpListener>();
        private readonly Dictionary<ConnectionKey, TcpConnection> _byKey = new Dictionary<ConnectionKey, TcpConnection>();
        private readonly List<TcpConnection> _active = new List<TcpConnection>();
        private readonly List<TcpConnection> _free = new List<TcpConnection>(); // a stack; List is in the portable subset
        private readonly ulong _isnSecret;
        private ushort _nextEphemeralPort = 49152;

        public TcpStack(TcpConfig config, ulong isnSecret, int mtu)
        {
            _config = config;
            _isnSecret = isnSecret;
            OurMss = mtu - Ipv4Packet.MinHeaderLength - TcpSegment.MinHeaderLength;
        }

        /// <summary>The MSS we announce: the largest segment our link carries.</summary>
        public int OurMss { get; }

        public TcpConfig Config => _config;

        public int ConnectionCount => _active.Count;

        /// <summary>SYNs dropped because the backlog or the connection table was full.</summary>
        public long SynsDropped { get; private set; }

        public long ResetsSent { get; private set; }

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
        /// Null when the connection table is full.</summary>
        public TcpConnection? Connect(long now, Ipv4Address local, Ipv4Address remote, ushort remotePort)
        {
            TcpConnection? c = Allocate();
            if (c is null) return null;
            ushort port = NextEphemeralPort(remote, remotePort);
            c.InitActive(local, port, remote, remotePort, InitialSequenceNumber(now, local, port, remote, remotePort));
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
                AcceptSyn(now, listener, source, destination, seg, output);
                return;
            }
            RefuseSegment(source, destination, seg, output);
        }

        private void AcceptSyn(long now, TcpListener listener, Ipv4Address source, Ipv4Address destination, TcpSegment seg, IIpv4Output output)
        {
            if (seg.Rst) return;
            if (seg.Ack)
            {
                SendReset(output, destination, source, seg.DestinationPort, seg.SourcePort, seg.AcknowledgmentNumber, 0, TcpFlags.Rst);
                return;
            }
            if (!seg.Syn) return;
            TcpConnection? c = listener.IsFull ? null : Allocate();
            if (c is null) { SynsDropped++; return; }
            uint iss = InitialSequenceNumber(now, destination, seg.DestinationPort, source, seg.SourcePort);
            c.InitPassive(listener, destination, source, seg, iss);
            Track(c);
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
            var seg = new TcpSegment(output.PayloadBuffer.Slice(0, TcpSegment.MinHeaderLength));
            seg.WriteHeader(localPort, remotePort, seq, ack, flags, 0, 0);
            seg.FillChecksum(local, remote);
            output.Send(remote, IpProtocol.Tcp, TcpSegment.MinHeaderLength);
            ResetsSent++;
        }

        /// <summary>Timers and output of every connection; recycles connections nobody needs any more.</summary>
        public void Dispatch(long now, IIpv4Output output)
        {
            for (int i = _active.Count - 1; i >= 0; i--)
            {
                TcpConnection c = _active[i];
                c.Dispatch(now, output);
                if (c.State == TcpState.Closed && !c.AppOwned && !c.InAcceptQueue) Recycle(i);
            }
        }

        /// <summary>Earliest time Dispatch has work (0: now; long.MaxValue: never).</summary>
        public long NextDeadline()
        {
            long d = long.MaxValue;
            foreach (TcpConnection c in _active) d = Math.Min(d, c.NextDeadline());
            return d;
        }

        private TcpConnection? Allocate()
        {
            if (_free.Count > 0) return PopFree();
            if (_active.Count < _config.MaxConnections) return new TcpConnection(this, _config);
            // Full: reclaim the TIME-WAIT connection closest to expiry rather than refuse service.
            int oldest = -1;
            for (int i = 0; i < _active.Count; i++)
            {
                TcpConnection c = _active[i];
                if (c.State == TcpState.TimeWait && (oldest < 0 || c.TimeWaitUntil < _active[oldest].TimeWaitUntil)) oldest = i;
            }
            if (oldest < 0) return null;
            _active[oldest].ToClosed(TcpError.None);
            Recycle(oldest);
            return PopFree();
        }

        private void Track(TcpConnection c)
        {
            _byKey[new ConnectionKey(c.RemoteAddress, c.RemotePort, c.LocalPort)] = c;
            _active.Add(c);
        }

        private void Recycle(int index)
        {
            TcpConnection c = _active[index];
            _active[index] = _active[_active.Count - 1];
            _active.RemoveAt(_active.Count - 1);
            var key = new ConnectionKey(c.RemoteAddress, c.RemotePort, c.LocalPort);
            if (_byKey.TryGetValue(key, out TcpConnection? owner) && owner == c) _byKey.Remove(key);
            _free.Add(c);
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
