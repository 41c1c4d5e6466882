using System;

namespace Kernel.Net.Http
{
    /// <summary>A growable byte buffer reused across requests (the guest's GC is simple: keep garbage low).</summary>
    internal sealed class ByteBuffer
    {
        private byte[] _bytes;

        public ByteBuffer(int capacity) => _bytes = new byte[capacity];

        public int Length { get; private set; }

        public byte[] Array => _bytes;

        public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length);

        public ReadOnlyMemory<byte> Memory => _bytes.AsMemory(0, Length);

        public void Clear() => Length = 0;

        /// <summary>Drops the first <paramref name="count"/> bytes (what a short write already sent).</summary>
        public void Consume(int count)
        {
            _bytes.AsSpan(count, Length - count).CopyTo(_bytes);
            Length -= count;
        }

        /// <summary>Drops the last <paramref name="count"/> bytes.</summary>
        public void Shrink(int count) => Length -= count;

        public Span<byte> Reserve(int count)
        {
            Ensure(count);
            Span<byte> span = _bytes.AsSpan(Length, count);
            Length += count;
            return span;
        }

        public void Append(ReadOnlySpan<byte> data) => data.CopyTo(Reserve(data.Length));

        public void Append(byte b) => Reserve(1)[0] = b;

        /// <summary>Appends a string as Latin-1 bytes (header names and values are ASCII).</summary>
        public void AppendAscii(string text)
        {
            Span<byte> span = Reserve(text.Length);
            for (int i = 0; i < text.Length; i++) span[i] = (byte)text[i];
        }

        public void AppendDecimal(long value)
        {
            Span<byte> digits = stackalloc byte[20];
            int n = 0;
            do
            {
                digits[n++] = (byte)('0' + value % 10);
                value /= 10;
            }
            while (value > 0);
            Span<byte> span = Reserve(n);
            for (int i = 0; i < n; i++) span[i] = digits[n - 1 - i];
        }

        public void AppendHex(long value)
        {
            Span<byte> digits = stackalloc byte[16];
            int n = 0;
            do
            {
                int d = (int)(value & 15);
                digits[n++] = (byte)(d < 10 ? '0' + d : 'a' + d - 10);
                value >>= 4;
            }
            while (value > 0);
            Span<byte> span = Reserve(n);
            for (int i = 0; i < n; i++) span[i] = digits[n - 1 - i];
        }

        private void Ensure(int more)
        {
            if (Length + more <= _bytes.Length) return;
            int size = _bytes.Length * 2;
            while (size < Length + more) size *= 2;
            byte[] bigger = new byte[size];
            _bytes.AsSpan(0, Length).CopyTo(bigger);
            _bytes = bigger;
        }
    }
}
