using System;
using System.Buffers.Binary;

namespace Kernel.Net.Wire
{
    public static class IpProtocol
    {
        public const byte Icmp = 1;
        public const byte Tcp = 6;
        public const byte Udp = 17;
    }

    /// <summary>An IPv4 datagram viewed in place (RFC 791). <see cref="TryParse"/> trims Ethernet
    /// padding to the total length and rejects bad versions, lengths and header checksums.</summary>
    public readonly ref struct Ipv4Packet
    {
        public const int MinHeaderLength = 20;
        private const ushort FlagMoreFragments = 0x2000;
        private const ushort FlagDontFragment = 0x4000;
        private const ushort OffsetMask = 0x1FFF;
        private readonly Span<byte> _buffer;

        public Ipv4Packet(Span<byte> buffer)
        {
            if (buffer.Length < MinHeaderLength) throw new ArgumentException("an IPv4 packet needs at least 20 bytes", nameof(buffer));
            _buffer = buffer;
        }

        public static bool TryParse(Span<byte> buffer, out Ipv4Packet packet)
        {
            packet = default;
            if (buffer.Length < MinHeaderLength) return false;
            int version = buffer[0] >> 4;
            int headerLength = (buffer[0] & 0xF) * 4;
            if (version != 4 || headerLength < MinHeaderLength || headerLength > buffer.Length) return false;
            int total = BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(2));
            if (total < headerLength || total > buffer.Length) return false;
            if (InternetChecksum.Compute(buffer.Slice(0, headerLength)) != 0) return false;
            packet = new Ipv4Packet(buffer.Slice(0, total));
            return true;
        }

        public int HeaderLength => (_buffer[0] & 0xF) * 4;

        public int TotalLength
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(2));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(2), (ushort)value);
        }

        public ushort Identification
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(4));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(4), value);
        }

        private ushort FlagsAndOffset => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(6));

        public bool MoreFragments => (FlagsAndOffset & FlagMoreFragments) != 0;

        public bool DontFragment => (FlagsAndOffset & FlagDontFragment) != 0;

        /// <summary>Fragment offset in bytes.</summary>
        public int FragmentOffset => (FlagsAndOffset & OffsetMask) * 8;

        /// <summary>True for any piece of a fragmented datagram; this stack does not reassemble.</summary>
        public bool IsFragment => MoreFragments || FragmentOffset != 0;

        public byte TimeToLive
        {
            get => _buffer[8];
            set => _buffer[8] = value;
        }

        public byte Protocol
        {
            get => _buffer[9];
            set => _buffer[9] = value;
        }

        public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(10));

        public Ipv4Address Source
        {
            get => Ipv4Address.Read(_buffer.Slice(12));
            set => value.Write(_buffer.Slice(12));
        }

        public Ipv4Address Destination
        {
            get => Ipv4Address.Read(_buffer.Slice(16));
            set => value.Write(_buffer.Slice(16));
        }

        public Span<byte> Payload => _buffer.Slice(HeaderLength, TotalLength - HeaderLength);

        public Span<byte> Bytes => _buffer;

        /// <summary>Writes a 20-byte header without options, DF set, and its checksum.</summary>
        public void WriteHeader(Ipv4Address source, Ipv4Address destination, byte protocol, int payloadLength, ushort identification, byte ttl)
        {
            _buffer[0] = 0x45;
            _buffer[1] = 0;
            TotalLength = MinHeaderLength + payloadLength;
            Identification = identification;
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(6), FlagDontFragment);
            TimeToLive = ttl;
            Protocol = protocol;
            Source = source;
            Destination = destination;
            FillChecksum();
        }

        public void FillChecksum()
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(10), 0);
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(10), InternetChecksum.Compute(_buffer.Slice(0, HeaderLength)));
        }
    }
}
