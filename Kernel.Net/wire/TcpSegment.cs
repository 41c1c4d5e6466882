using System;
using System.Buffers.Binary;

namespace Kernel.Net.Wire
{
    [Flags]
    public enum TcpFlags : byte
    {
        None = 0,
        Fin = 0x01,
        Syn = 0x02,
        Rst = 0x04,
        Psh = 0x08,
        Ack = 0x10,
        Urg = 0x20,
    }

    /// <summary>A TCP segment (RFC 9293 3.1) viewed in place: header fields, the MSS option, payload.</summary>
    public readonly ref struct TcpSegment
    {
        public const int MinHeaderLength = 20;
        /// <summary>Header length when the only option is MSS (kind 2, length 4).</summary>
        public const int HeaderLengthWithMss = 24;
        private const byte OptionEnd = 0;
        private const byte OptionNop = 1;
        private const byte OptionMss = 2;
        private readonly Span<byte> _buffer;

        public TcpSegment(Span<byte> buffer)
        {
            if (buffer.Length < MinHeaderLength) throw new ArgumentException("a TCP segment needs at least 20 bytes", nameof(buffer));
            _buffer = buffer;
        }

        /// <summary>Checks the data offset against the length and the checksum over the pseudo-header.</summary>
        public static bool TryParse(Span<byte> buffer, Ipv4Address source, Ipv4Address destination, out TcpSegment segment)
        {
            segment = default;
            if (buffer.Length < MinHeaderLength) return false;
            int headerLength = (buffer[12] >> 4) * 4;
            if (headerLength < MinHeaderLength || headerLength > buffer.Length) return false;
            var s = new TcpSegment(buffer);
            if (s.ComputeChecksum(source, destination) != 0) return false;
            segment = s;
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

        public uint SequenceNumber
        {
            get => BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(4));
            set => BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(4), value);
        }

        public uint AcknowledgmentNumber
        {
            get => BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(8));
            set => BinaryPrimitives.WriteUInt32BigEndian(_buffer.Slice(8), value);
        }

        public int HeaderLength
        {
            get => (_buffer[12] >> 4) * 4;
            set => _buffer[12] = (byte)((value / 4) << 4);
        }

        public TcpFlags Flags
        {
            get => (TcpFlags)(_buffer[13] & 0x3F);
            set => _buffer[13] = (byte)value;
        }

        public bool Syn => (_buffer[13] & (byte)TcpFlags.Syn) != 0;

        public bool Ack => (_buffer[13] & (byte)TcpFlags.Ack) != 0;

        public bool Fin => (_buffer[13] & (byte)TcpFlags.Fin) != 0;

        public bool Rst => (_buffer[13] & (byte)TcpFlags.Rst) != 0;

        public ushort WindowSize
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(14));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(14), value);
        }

        public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(16));

        public ushort UrgentPointer
        {
            get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(18));
            set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(18), value);
        }

        public Span<byte> Options => _buffer.Slice(MinHeaderLength, HeaderLength - MinHeaderLength);

        public Span<byte> Payload => _buffer.Slice(HeaderLength);

        /// <summary>Sequence space the segment occupies: payload plus one each for SYN and FIN.</summary>
        public int SequenceLength => Payload.Length + (Syn ? 1 : 0) + (Fin ? 1 : 0);

        /// <summary>The peer's maximum segment size option, or 0 when absent or malformed.</summary>
        public int MaximumSegmentSize
        {
            get
            {
                Span<byte> options = Options;
                int i = 0;
                while (i < options.Length)
                {
                    byte kind = options[i];
                    if (kind == OptionEnd) break;
                    if (kind == OptionNop) { i++; continue; }
                    if (i + 1 >= options.Length) break;
                    int length = options[i + 1];
                    if (length < 2 || i + length > options.Length) break;
                    if (kind == OptionMss && length == 4) return BinaryPrimitives.ReadUInt16BigEndian(options.Slice(i + 2));
                    i += length;
                }
                return 0;
            }
        }

        /// <summary>Writes a header with no options, or with only an MSS option when <paramref name="mss"/> is non-zero.</summary>
        public void WriteHeader(ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment, TcpFlags flags, ushort window, int mss)
        {
            SourcePort = sourcePort;
            DestinationPort = destinationPort;
            SequenceNumber = sequence;
            AcknowledgmentNumber = acknowledgment;
            HeaderLength = mss != 0 ? HeaderLengthWithMss : MinHeaderLength;
            Flags = flags;
            WindowSize = window;
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(16), 0);
            UrgentPointer = 0;
            if (mss != 0)
            {
                _buffer[20] = OptionMss;
                _buffer[21] = 4;
                BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(22), (ushort)mss);
            }
        }

        /// <summary>Zero when the whole segment (this view's length) is intact.</summary>
        public ushort ComputeChecksum(Ipv4Address source, Ipv4Address destination)
        {
            uint sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, _buffer.Length);
            return InternetChecksum.Finish(InternetChecksum.Accumulate(sum, _buffer));
        }

        public void FillChecksum(Ipv4Address source, Ipv4Address destination)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(16), 0);
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.Slice(16), ComputeChecksum(source, destination));
        }
    }
}
