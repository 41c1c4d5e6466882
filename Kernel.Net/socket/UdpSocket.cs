using System;
using Kernel.Net.Wire;

namespace Kernel.Net.Sockets
{
    /// <summary>A UDP socket bound to one port, with a fixed ring of received datagrams: when the
    /// application falls behind, new datagrams are dropped (UDP's own form of back-pressure).</summary>
    public sealed class UdpSocket
    {
        /// <summary>The largest datagram a socket queues: what fits one 1500-byte frame (no IP reassembly here).</summary>
        internal const int MaxPayload = 1472;
        private readonly UdpStack _stack;
        private readonly byte[][] _slots;
        private readonly int[] _lengths;
        private readonly Ipv4Address[] _sources;
        private readonly ushort[] _sourcePorts;
        private int _head;
        private int _count;

        internal UdpSocket(UdpStack stack, ushort port, int queueDatagrams)
        {
            _stack = stack;
            Port = port;
            _slots = new byte[queueDatagrams][];
            for (int i = 0; i < queueDatagrams; i++) _slots[i] = new byte[MaxPayload];
            _lengths = new int[queueDatagrams];
            _sources = new Ipv4Address[queueDatagrams];
            _sourcePorts = new ushort[queueDatagrams];
        }

        public ushort Port { get; }

        public int Queued => _count;

        /// <summary>Every slot holds a datagram: one more would be dropped.</summary>
        internal bool IsFull => _count == _slots.Length;

        public long Dropped { get; private set; }

        /// <summary>A datagram that came another way (Summoner's UDP tunnel) and could not be queued.</summary>
        internal void CountDropped() => Dropped++;

        internal void Deliver(Ipv4Address source, ushort sourcePort, ReadOnlySpan<byte> payload)
        {
            if (_count == _slots.Length || payload.Length > MaxPayload) { Dropped++; return; }
            int at = (_head + _count) % _slots.Length;
            payload.CopyTo(_slots[at]);
            _lengths[at] = payload.Length;
            _sources[at] = source;
            _sourcePorts[at] = sourcePort;
            _count++;
        }

        /// <summary>Copies the oldest datagram (truncated to the buffer); -1 when none is queued.</summary>
        public int ReceiveFrom(Span<byte> buffer, out Ipv4Address source, out ushort sourcePort)
        {
            source = default;
            sourcePort = 0;
            if (_count == 0) return -1;
            int n = Math.Min(buffer.Length, _lengths[_head]);
            _slots[_head].AsSpan(0, n).CopyTo(buffer);
            source = _sources[_head];
            sourcePort = _sourcePorts[_head];
            _head = (_head + 1) % _slots.Length;
            _count--;
            return n;
        }

        /// <summary>Sends one datagram now; false if it could not leave (too large, no route).</summary>
        public bool SendTo(Ipv4Address destination, ushort destinationPort, ReadOnlySpan<byte> payload) =>
            _stack.Send(Port, destination, destinationPort, payload);
    }
}
