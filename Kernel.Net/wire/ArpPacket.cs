using System;
using System.Buffers.Binary;

namespace Kernel.Net.Wire
{
    /// <summary>An ARP packet for Ethernet/IPv4 (RFC 826), the only kind this stack speaks.</summary>
    public readonly ref struct ArpPacket
    {
        public const int Length = 28;
        public const ushort OperationRequest = 1;
        public const ushort OperationReply = 2;
        private readonly Span<byte> _buffer;

        public ArpPacket(Span<byte> buffer)
        {
            if (buffer.Length < Length) throw new ArgumentException("an ARP packet needs 28 bytes", nameof(buffer));
            _buffer = buffer;
        }

        /// <summary>Accepts only Ethernet (htype 1, hlen 6) over IPv4 (ptype 0x0800, plen 4).</summary>
        public static bool TryParse(Span<byte> buffer, out ArpPacket packet)
        {
            packet = default;
            if (buffer.Length < Length) return false;
            var p = new ArpPacket(buffer);
            if (p.HardwareType != 1 || p.ProtocolType != EtherType.Ipv4 || buffer[4] != 6 || buffer[5] != 4) return false;
            packet = p;
            return true;
        }

        public ushort HardwareType => BinaryPrimitives.ReadUInt16BigEndian(_buffer);

        public ushort ProtocolType => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(2));

        public ushort Operation
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(6));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(6), value);
        }

        public MacAddress SenderHardwareAddress
        {
            get => MacAddress.Read(_buffer.Slice(8));
            set => value.Write(_buffer.Slice(8));
        }

        public Ipv4Address SenderProtocolAddress
        {
            get => Ipv4Address.Read(_buffer.Slice(14));
            set => value.Write(_buffer.Slice(14));
        }

        public MacAddress TargetHardwareAddress
        {
            get => MacAddress.Read(_buffer.Slice(18));
            set => value.Write(_buffer.Slice(18));
        }

        public Ipv4Address TargetProtocolAddress
        {
            get => Ipv4Address.Read(_buffer.Slice(24));
            set => value.Write(_buffer.Slice(24));
        }

        /// <summary>Writes the fixed Ethernet/IPv4 preamble (htype, ptype, hlen, plen).</summary>
        public void WriteEthernetIpv4Header()
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer, 1);
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2), EtherType.Ipv4);
            _buffer[4] = 6;
            _buffer[5] = 4;
        }
    }
}
