namespace System.Text
{
    // ASCII and UTF-8 with .NET's replacement behaviour: unencodable chars become '?' (ASCII) or
    // EF BF BD (UTF-8, lone surrogates); undecodable bytes become '?' (ASCII) or U+FFFD (UTF-8, one
    // per maximal invalid subsequence).
    public abstract class Encoding
    {
        public static Encoding ASCII { get; } = new ASCIIEncoding();

        public static Encoding UTF8 { get; } = new UTF8Encoding();

        public abstract int GetByteCount(ReadOnlySpan<char> chars);

        public abstract int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes);

        public abstract int GetCharCount(ReadOnlySpan<byte> bytes);

        public abstract int GetChars(ReadOnlySpan<byte> bytes, Span<char> chars);

        public abstract int GetMaxByteCount(int charCount);

        public int GetByteCount(string s)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return GetByteCount(s.AsSpan());
        }

        public int GetByteCount(char[] chars)
        {
            if (chars is null) throw new ArgumentNullException(nameof(chars));
            return GetByteCount(new ReadOnlySpan<char>(chars));
        }

        public byte[] GetBytes(string s)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            var bytes = new byte[GetByteCount(s.AsSpan())];
            GetBytes(s.AsSpan(), bytes);
            return bytes;
        }

        public byte[] GetBytes(char[] chars)
        {
            if (chars is null) throw new ArgumentNullException(nameof(chars));
            var bytes = new byte[GetByteCount(new ReadOnlySpan<char>(chars))];
            GetBytes(new ReadOnlySpan<char>(chars), bytes);
            return bytes;
        }

        public int GetBytes(string s, int charIndex, int charCount, byte[] bytes, int byteIndex)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            if (bytes is null) throw new ArgumentNullException(nameof(bytes));
            return GetBytes(s.AsSpan(charIndex, charCount), bytes.AsSpan(byteIndex));
        }

        public string GetString(ReadOnlySpan<byte> bytes)
        {
            int count = GetCharCount(bytes);
            if (count == 0) return string.Empty;
            string s = string.FastAllocate(count);
            GetChars(bytes, s.WritableSpan);
            return s;
        }

        public string GetString(byte[] bytes)
        {
            if (bytes is null) throw new ArgumentNullException(nameof(bytes));
            return GetString(new ReadOnlySpan<byte>(bytes));
        }

        public string GetString(byte[] bytes, int index, int count)
        {
            if (bytes is null) throw new ArgumentNullException(nameof(bytes));
            return GetString(new ReadOnlySpan<byte>(bytes, index, count));
        }

        private protected static void ThrowTooSmall()
            => throw new ArgumentException("The output byte buffer is too small to contain the encoded data.", "bytes");
    }

    public class ASCIIEncoding : Encoding
    {
        public override int GetByteCount(ReadOnlySpan<char> chars)
        {
            // A surrogate pair is one unencodable character: one '?'.
            int count = 0;
            for (int i = 0; i < chars.Length; i++, count++)
                if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
            return count;
        }

        public override int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes)
        {
            if (bytes.Length < GetByteCount(chars)) ThrowTooSmall();
            int n = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c < 0x80) { bytes[n++] = (byte)c; continue; }
                if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
                bytes[n++] = (byte)'?';
            }
            return n;
        }

        public override int GetCharCount(ReadOnlySpan<byte> bytes) => bytes.Length;

        public override int GetChars(ReadOnlySpan<byte> bytes, Span<char> chars)
        {
            if (chars.Length < bytes.Length) throw new ArgumentException("The output char buffer is too small to contain the decoded characters.", nameof(chars));
            for (int i = 0; i < bytes.Length; i++) chars[i] = bytes[i] < 0x80 ? (char)bytes[i] : '?';
            return bytes.Length;
        }

        public override int GetMaxByteCount(int charCount) => charCount + 1;
    }

    public class UTF8Encoding : Encoding
    {
        public override int GetByteCount(ReadOnlySpan<char> chars)
        {
            int count = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c < 0x80) count += 1;
                else if (c < 0x800) count += 2;
                else if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { count += 4; i++; }
                else count += 3; // BMP char, or a lone surrogate replaced by U+FFFD
            }
            return count;
        }

        public override int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes)
        {
            if (bytes.Length < GetByteCount(chars)) ThrowTooSmall();
            int n = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                uint c = chars[i];
                if (c < 0x80) { bytes[n++] = (byte)c; continue; }
                if (c < 0x800)
                {
                    bytes[n++] = (byte)(0xc0 | (c >> 6));
                    bytes[n++] = (byte)(0x80 | (c & 0x3f));
                    continue;
                }
                if (char.IsHighSurrogate((char)c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    uint cp = 0x10000 + ((c - 0xd800) << 10) + ((uint)chars[++i] - 0xdc00);
                    bytes[n++] = (byte)(0xf0 | (cp >> 18));
                    bytes[n++] = (byte)(0x80 | ((cp >> 12) & 0x3f));
                    bytes[n++] = (byte)(0x80 | ((cp >> 6) & 0x3f));
                    bytes[n++] = (byte)(0x80 | (cp & 0x3f));
                    continue;
                }
                if (char.IsSurrogate((char)c)) c = 0xfffd;
                bytes[n++] = (byte)(0xe0 | (c >> 12));
                bytes[n++] = (byte)(0x80 | ((c >> 6) & 0x3f));
                bytes[n++] = (byte)(0x80 | (c & 0x3f));
            }
            return n;
        }

        public override int GetCharCount(ReadOnlySpan<byte> bytes)
        {
            int count = 0;
            for (int i = 0; i < bytes.Length;)
            {
                int consumed = Decode(bytes.Slice(i), out uint cp);
                count += cp >= 0x10000 ? 2 : 1;
                i += consumed;
            }
            return count;
        }

        public override int GetChars(ReadOnlySpan<byte> bytes, Span<char> chars)
        {
            int n = 0;
            for (int i = 0; i < bytes.Length;)
            {
                i += Decode(bytes.Slice(i), out uint cp);
                if (cp >= 0x10000)
                {
                    if (n + 2 > chars.Length) ThrowCharsTooSmall();
                    cp -= 0x10000;
                    chars[n++] = (char)(0xd800 + (cp >> 10));
                    chars[n++] = (char)(0xdc00 + (cp & 0x3ff));
                }
                else
                {
                    if (n + 1 > chars.Length) ThrowCharsTooSmall();
                    chars[n++] = (char)cp;
                }
            }
            return n;
        }

        public override int GetMaxByteCount(int charCount) => (charCount + 1) * 3;

        private static void ThrowCharsTooSmall()
            => throw new ArgumentException("The output char buffer is too small to contain the decoded characters.", "chars");

        // Decodes one scalar; an invalid sequence yields U+FFFD and consumes its maximal valid
        // prefix (at least one byte), per the Unicode "substitution of maximal subparts" rule.
        private static int Decode(ReadOnlySpan<byte> s, out uint cp)
        {
            uint b0 = s[0];
            cp = 0xfffd;
            if (b0 < 0x80) { cp = b0; return 1; }
            int need;
            uint min, lo = 0x80, hi = 0xbf;
            if (b0 >= 0xc2 && b0 <= 0xdf) { need = 1; min = 0x80; cp = b0 & 0x1f; }
            else if (b0 >= 0xe0 && b0 <= 0xef)
            {
                need = 2; min = 0x800; cp = b0 & 0x0f;
                if (b0 == 0xe0) lo = 0xa0;
                else if (b0 == 0xed) hi = 0x9f;
            }
            else if (b0 >= 0xf0 && b0 <= 0xf4)
            {
                need = 3; min = 0x10000; cp = b0 & 0x07;
                if (b0 == 0xf0) lo = 0x90;
                else if (b0 == 0xf4) hi = 0x8f;
            }
            else { cp = 0xfffd; return 1; }
            for (int k = 1; k <= need; k++)
            {
                if (k >= s.Length) { cp = 0xfffd; return k; }
                uint b = s[k];
                uint low = k == 1 ? lo : 0x80, high = k == 1 ? hi : 0xbf;
                if (b < low || b > high) { cp = 0xfffd; return k; }
                cp = (cp << 6) | (b & 0x3f);
            }
            if (cp < min) cp = 0xfffd;
            return need + 1;
        }
    }
}
