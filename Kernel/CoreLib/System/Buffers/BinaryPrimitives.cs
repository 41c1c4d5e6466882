using System.Runtime.CompilerServices;

namespace System.Buffers.Binary
{
    // Reads and writes integers in a given byte order; the span must hold at least the integer's size
    // (ArgumentOutOfRangeException otherwise, as on .NET).
    public static class BinaryPrimitives
    {

        public static ushort ReadUInt16BigEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 2) throw new ArgumentOutOfRangeException("length");
            return unchecked((ushort)Read(source, 2, true));
        }

        public static bool TryReadUInt16BigEndian(ReadOnlySpan<byte> source, out ushort value)
        {
            if (source.Length < 2) { value = 0; return false; }
            value = unchecked((ushort)Read(source, 2, true));
            return true;
        }

        public static void WriteUInt16BigEndian(Span<byte> destination, ushort value)
        {
            if (destination.Length < 2) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 2, true);
        }

        public static bool TryWriteUInt16BigEndian(Span<byte> destination, ushort value)
        {
            if (destination.Length < 2) return false;
            Write(destination, unchecked((ulong)value), 2, true);
            return true;
        }

        public static ushort ReadUInt16LittleEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 2) throw new ArgumentOutOfRangeException("length");
            return unchecked((ushort)Read(source, 2, false));
        }

        public static bool TryReadUInt16LittleEndian(ReadOnlySpan<byte> source, out ushort value)
        {
            if (source.Length < 2) { value = 0; return false; }
            value = unchecked((ushort)Read(source, 2, false));
            return true;
        }

        public static void WriteUInt16LittleEndian(Span<byte> destination, ushort value)
        {
            if (destination.Length < 2) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 2, false);
        }

        public static bool TryWriteUInt16LittleEndian(Span<byte> destination, ushort value)
        {
            if (destination.Length < 2) return false;
            Write(destination, unchecked((ulong)value), 2, false);
            return true;
        }

        public static ushort ReverseEndianness(ushort value) => unchecked((ushort)Reverse(unchecked((ulong)value), 2));

        public static short ReadInt16BigEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 2) throw new ArgumentOutOfRangeException("length");
            return unchecked((short)Read(source, 2, true));
        }

        public static bool TryReadInt16BigEndian(ReadOnlySpan<byte> source, out short value)
        {
            if (source.Length < 2) { value = 0; return false; }
            value = unchecked((short)Read(source, 2, true));
            return true;
        }

        public static void WriteInt16BigEndian(Span<byte> destination, short value)
        {
            if (destination.Length < 2) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 2, true);
        }

        public static bool TryWriteInt16BigEndian(Span<byte> destination, short value)
        {
            if (destination.Length < 2) return false;
            Write(destination, unchecked((ulong)value), 2, true);
            return true;
        }

        public static short ReadInt16LittleEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 2) throw new ArgumentOutOfRangeException("length");
            return unchecked((short)Read(source, 2, false));
        }

        public static bool TryReadInt16LittleEndian(ReadOnlySpan<byte> source, out short value)
        {
            if (source.Length < 2) { value = 0; return false; }
            value = unchecked((short)Read(source, 2, false));
            return true;
        }

        public static void WriteInt16LittleEndian(Span<byte> destination, short value)
        {
            if (destination.Length < 2) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 2, false);
        }

        public static bool TryWriteInt16LittleEndian(Span<byte> destination, short value)
        {
            if (destination.Length < 2) return false;
            Write(destination, unchecked((ulong)value), 2, false);
            return true;
        }

        public static short ReverseEndianness(short value) => unchecked((short)Reverse(unchecked((ulong)value), 2));

        public static uint ReadUInt32BigEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 4) throw new ArgumentOutOfRangeException("length");
            return unchecked((uint)Read(source, 4, true));
        }

        public static bool TryReadUInt32BigEndian(ReadOnlySpan<byte> source, out uint value)
        {
            if (source.Length < 4) { value = 0; return false; }
            value = unchecked((uint)Read(source, 4, true));
            return true;
        }

        public static void WriteUInt32BigEndian(Span<byte> destination, uint value)
        {
            if (destination.Length < 4) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 4, true);
        }

        public static bool TryWriteUInt32BigEndian(Span<byte> destination, uint value)
        {
            if (destination.Length < 4) return false;
            Write(destination, unchecked((ulong)value), 4, true);
            return true;
        }

        public static uint ReadUInt32LittleEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 4) throw new ArgumentOutOfRangeException("length");
            return unchecked((uint)Read(source, 4, false));
        }

        public static bool TryReadUInt32LittleEndian(ReadOnlySpan<byte> source, out uint value)
        {
            if (source.Length < 4) { value = 0; return false; }
            value = unchecked((uint)Read(source, 4, false));
            return true;
        }

        public static void WriteUInt32LittleEndian(Span<byte> destination, uint value)
        {
            if (destination.Length < 4) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 4, false);
        }

        public static bool TryWriteUInt32LittleEndian(Span<byte> destination, uint value)
        {
            if (destination.Length < 4) return false;
            Write(destination, unchecked((ulong)value), 4, false);
            return true;
        }

        public static uint ReverseEndianness(uint value) => unchecked((uint)Reverse(unchecked((ulong)value), 4));

        public static int ReadInt32BigEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 4) throw new ArgumentOutOfRangeException("length");
            return unchecked((int)Read(source, 4, true));
        }

        public static bool TryReadInt32BigEndian(ReadOnlySpan<byte> source, out int value)
        {
            if (source.Length < 4) { value = 0; return false; }
            value = unchecked((int)Read(source, 4, true));
            return true;
        }

        public static void WriteInt32BigEndian(Span<byte> destination, int value)
        {
            if (destination.Length < 4) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 4, true);
        }

        public static bool TryWriteInt32BigEndian(Span<byte> destination, int value)
        {
            if (destination.Length < 4) return false;
            Write(destination, unchecked((ulong)value), 4, true);
            return true;
        }

        public static int ReadInt32LittleEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 4) throw new ArgumentOutOfRangeException("length");
            return unchecked((int)Read(source, 4, false));
        }

        public static bool TryReadInt32LittleEndian(ReadOnlySpan<byte> source, out int value)
        {
            if (source.Length < 4) { value = 0; return false; }
            value = unchecked((int)Read(source, 4, false));
            return true;
        }

        public static void WriteInt32LittleEndian(Span<byte> destination, int value)
        {
            if (destination.Length < 4) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 4, false);
        }

        public static bool TryWriteInt32LittleEndian(Span<byte> destination, int value)
        {
            if (destination.Length < 4) return false;
            Write(destination, unchecked((ulong)value), 4, false);
            return true;
        }

        public static int ReverseEndianness(int value) => unchecked((int)Reverse(unchecked((ulong)value), 4));

        public static ulong ReadUInt64BigEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 8) throw new ArgumentOutOfRangeException("length");
            return unchecked((ulong)Read(source, 8, true));
        }

        public static bool TryReadUInt64BigEndian(ReadOnlySpan<byte> source, out ulong value)
        {
            if (source.Length < 8) { value = 0; return false; }
            value = unchecked((ulong)Read(source, 8, true));
            return true;
        }

        public static void WriteUInt64BigEndian(Span<byte> destination, ulong value)
        {
            if (destination.Length < 8) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 8, true);
        }

        public static bool TryWriteUInt64BigEndian(Span<byte> destination, ulong value)
        {
            if (destination.Length < 8) return false;
            Write(destination, unchecked((ulong)value), 8, true);
            return true;
        }

        public static ulong ReadUInt64LittleEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 8) throw new ArgumentOutOfRangeException("length");
            return unchecked((ulong)Read(source, 8, false));
        }

        public static bool TryReadUInt64LittleEndian(ReadOnlySpan<byte> source, out ulong value)
        {
            if (source.Length < 8) { value = 0; return false; }
            value = unchecked((ulong)Read(source, 8, false));
            return true;
        }

        public static void WriteUInt64LittleEndian(Span<byte> destination, ulong value)
        {
            if (destination.Length < 8) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 8, false);
        }

        public static bool TryWriteUInt64LittleEndian(Span<byte> destination, ulong value)
        {
            if (destination.Length < 8) return false;
            Write(destination, unchecked((ulong)value), 8, false);
            return true;
        }

        public static ulong ReverseEndianness(ulong value) => unchecked((ulong)Reverse(unchecked((ulong)value), 8));

        public static long ReadInt64BigEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 8) throw new ArgumentOutOfRangeException("length");
            return unchecked((long)Read(source, 8, true));
        }

        public static bool TryReadInt64BigEndian(ReadOnlySpan<byte> source, out long value)
        {
            if (source.Length < 8) { value = 0; return false; }
            value = unchecked((long)Read(source, 8, true));
            return true;
        }

        public static void WriteInt64BigEndian(Span<byte> destination, long value)
        {
            if (destination.Length < 8) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 8, true);
        }

        public static bool TryWriteInt64BigEndian(Span<byte> destination, long value)
        {
            if (destination.Length < 8) return false;
            Write(destination, unchecked((ulong)value), 8, true);
            return true;
        }

        public static long ReadInt64LittleEndian(ReadOnlySpan<byte> source)
        {
            if (source.Length < 8) throw new ArgumentOutOfRangeException("length");
            return unchecked((long)Read(source, 8, false));
        }

        public static bool TryReadInt64LittleEndian(ReadOnlySpan<byte> source, out long value)
        {
            if (source.Length < 8) { value = 0; return false; }
            value = unchecked((long)Read(source, 8, false));
            return true;
        }

        public static void WriteInt64LittleEndian(Span<byte> destination, long value)
        {
            if (destination.Length < 8) throw new ArgumentOutOfRangeException("length");
            Write(destination, unchecked((ulong)value), 8, false);
        }

        public static bool TryWriteInt64LittleEndian(Span<byte> destination, long value)
        {
            if (destination.Length < 8) return false;
            Write(destination, unchecked((ulong)value), 8, false);
            return true;
        }

        public static long ReverseEndianness(long value) => unchecked((long)Reverse(unchecked((ulong)value), 8));

        public static byte ReverseEndianness(byte value) => value;

        private static ulong Read(ReadOnlySpan<byte> source, int size, bool bigEndian)
        {
            ulong v = 0;
            for (int i = 0; i < size; i++)
                v |= (ulong)source[bigEndian ? size - 1 - i : i] << (8 * i);
            return v;
        }

        private static void Write(Span<byte> destination, ulong value, int size, bool bigEndian)
        {
            for (int i = 0; i < size; i++)
                destination[bigEndian ? size - 1 - i : i] = (byte)(value >> (8 * i));
        }

        private static ulong Reverse(ulong value, int size)
        {
            ulong r = 0;
            for (int i = 0; i < size; i++) r = (r << 8) | ((value >> (8 * i)) & 0xff);
            return r;
        }
    }
}
