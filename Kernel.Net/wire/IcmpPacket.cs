using System;
using System.Buffers.Binary;

namespace Kernel.Net.Wire
{
    /// <summary>An ICMPv4 message (RFC 792); echo fields are meaningful for types 0 and 8.</summary>
    public readonly ref struct IcmpPacket
    {
        public const int HeaderLength = 8;
        public const byte TypeEchoReply = 0;
        public const byte TypeDestinationUnreachable = 3;
        public const byte TypeEchoRequest = 8;
        private readonly Span<byte> _buffer;

        public IcmpPacket(Span<byte> buffer)
        {
            if (buffer.Length < HeaderLength) throw new ArgumentException("an ICMP message needs at least 8 bytes", nameof(buffer));
            _buffer = buffer;
        }

        /// <summary>Rejects short messages and bad checksums.</summary>
        public static bool TryParse(Span<byte> buffer, out IcmpPacket packet)
        {
            packet = default;
            if (buffer.Length < HeaderLength || InternetChecksum.Compute(buffer) != 0) return false;
            packet = new IcmpPacket(buffer);
            return true;
        }

        public byte Type
        {
            get => _buffer[0];
            set => _buffer[0] = value;
        }

        public byte Code
        {
            get => _buffer[1];
            set => _buffer[1] = value;
        }

        public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(2));

        public ushort EchoIdentifier
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(4));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(4), value);
        }

        public ushort EchoSequence
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(6));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(6), value);
        }

        public Span<byte> Payload => _buffer.Slice(HeaderLength);

        public void FillChecksum()
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2), 0);
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2), InternetChecksum.Compute(_buffer));
        }
    }
}
