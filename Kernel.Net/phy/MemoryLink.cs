using System;
using System.Collections.Generic;
using Kernel.Net.Wire;

namespace Kernel.Net.Phy
{
    /// <summary>
    /// A cable between two stacks in one process: what one end transmits, the other receives, in
    /// order. Each direction holds a bounded number of frames and drops beyond it, like a NIC ring.
    /// </summary>
    public sealed class MemoryLink
    {
        public MemoryLink(MacAddress a, MacAddress b, int capacityFrames = 1024)
        {
            var aToB = new Queue<byte[]>();
            var bToA = new Queue<byte[]>();
            A = new LinkEnd(a, bToA, aToB, capacityFrames);
            B = new LinkEnd(b, aToB, bToA, capacityFrames);
        }

        public LinkEnd A { get; }

        public LinkEnd B { get; }

        public sealed class LinkEnd : INetworkDevice
        {
            private readonly Queue<byte[]> _inbound;
            private readonly Queue<byte[]> _outbound;
            private readonly int _capacity;

            internal LinkEnd(MacAddress address, Queue<byte[]> inbound, Queue<byte[]> outbound, int capacity)
            {
                HardwareAddress = address;
                _inbound = inbound;
                _outbound = outbound;
                _capacity = capacity;
            }

            public MacAddress HardwareAddress { get; }

            public int Mtu => 1500;

            public long FramesSent { get; private set; }

            public long FramesDroppedFull { get; private set; }

            public int Pending => _inbound.Count;

            public int Receive(Span<byte> buffer)
            {
                if (_inbound.Count == 0) return 0;
                byte[] frame = _inbound.Dequeue();
                int n = Math.Min(frame.Length, buffer.Length);
                frame.AsSpan(0, n).CopyTo(buffer);
                return n;
            }

            public bool Transmit(ReadOnlySpan<byte> frame)
            {
                if (_outbound.Count >= _capacity) { FramesDroppedFull++; return false; }
                _outbound.Enqueue(frame.ToArray());
                FramesSent++;
                return true;
            }
        }
    }
}
