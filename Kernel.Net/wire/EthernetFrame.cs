using System;
using System.Buffers.Binary;

namespace Kernel.Net.Wire
{
    public static class EtherType
    {
        public const ushort Ipv4 = 0x0800;
        public const ushort Arp = 0x0806;
        public const ushort Ipv6 = 0x86DD;
    }

    /// <summary>An Ethernet II frame (no FCS: devices strip it) viewed in place.</summary>
    public readonly ref struct EthernetFrame
    {
        public const int HeaderLength = 14;
        public const int MaxFrameLength = 1514;
        private readonly Span<byte> _buffer;

        /// <summary>Wraps a buffer the caller sized (at least <see cref="HeaderLength"/>), for building frames.</summary>
        public EthernetFrame(Span<byte> buffer)
        {
            if (buffer.Length < HeaderLength) throw new ArgumentException("an Ethernet frame needs at least 14 bytes", nameof(buffer));
            _buffer = buffer;
        }

        public static bool TryParse(Span<byte> buffer, out EthernetFrame frame)
        {
            frame = default;
            if (buffer.Length < HeaderLength) return false;
            frame = new EthernetFrame(buffer);
            return true;
        }

        public MacAddress Destination
        {
            get => MacAddress.Read(_buffer);
            set => value.Write(_buffer);
        }

        public MacAddress Source
        {
            get => MacAddress.Read(_buffer.Slice(6));
            set => value.Write(_buffer.Slice(6));
        }

        public ushort EtherType
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(12));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(12), value);
        }

        public Span<byte> Payload => _buffer.Slice(HeaderLength);

        public Span<byte> Bytes => _buffer;
    }
}
