using System;
using System.Buffers.Binary;

namespace Kernel.Net.Wire
{
    /// <summary>A UDP datagram (RFC 768) viewed in place; <see cref="TryParse"/> trims to the length field.</summary>
    public readonly ref struct UdpDatagram
    {
        public const int HeaderLength = 8;
        private readonly Span<byte> _buffer;

        public UdpDatagram(Span<byte> buffer)
        {
            if (buffer.Length < HeaderLength) throw new ArgumentException("a UDP datagram needs at least 8 bytes", nameof(buffer));
            _buffer = buffer;
        }

        /// <summary>Checks lengths and, unless the sender left it zero, the checksum.</summary>
        public static bool TryParse(Span<byte> buffer, Ipv4Address source, Ipv4Address destination, out UdpDatagram datagram)
        {
            datagram = default;
            if (buffer.Length < HeaderLength) return false;
            int length = BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(4));
            if (length < HeaderLength || length > buffer.Length) return false;
            var d = new UdpDatagram(buffer.Slice(0, length));
            if (d.Checksum != 0 && d.ComputeChecksum(source, destination) != 0) return false;
            datagram = d;
            return true;
        }

        public ushort SourcePort
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer);
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer, value);
        }

        public ushort DestinationPort
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(2));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2), value);
        }

        public int Length
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(4));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(4), (ushort)value);
        }

        public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(6));

        public Span<byte> Payload => _buffer.Slice(HeaderLength, Length - HeaderLength);

        /// <summary>Zero when the datagram (with its checksum field) is intact.</summary>
        public ushort ComputeChecksum(Ipv4Address source, Ipv4Address destination)
        {
            uint sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Udp, Length);
            return InternetChecksum.Finish(InternetChecksum.Accumulate(sum, _buffer.Slice(0, Length)));
        }

        public void FillChecksum(Ipv4Address source, Ipv4Address destination)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(6), 0);
            ushort c = ComputeChecksum(source, destination);
            // RFC 768: a computed zero is sent as all ones, since zero means "no checksum".
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(6), c == 0 ? (ushort)0xFFFF : c);
        }
    }
}
