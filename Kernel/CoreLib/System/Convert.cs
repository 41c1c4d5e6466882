namespace System
{
    // The byte <-> text conversions portable code uses for protocols: hex and base64.
    public static class Convert
    {
        private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

        public static string ToHexString(byte[] inArray)
        {
            if (inArray is null) throw new ArgumentNullException(nameof(inArray));
            return ToHexString(new ReadOnlySpan<byte>(inArray));
        }

        public static string ToHexString(ReadOnlySpan<byte> bytes) => Hex(bytes, 'A');

        public static string ToHexStringLower(ReadOnlySpan<byte> bytes) => Hex(bytes, 'a');

        public static string ToHexStringLower(byte[] inArray)
        {
            if (inArray is null) throw new ArgumentNullException(nameof(inArray));
            return Hex(inArray, 'a');
        }

        private static string Hex(ReadOnlySpan<byte> bytes, char letterA)
        {
            if (bytes.Length == 0) return string.Empty;
            string s = string.FastAllocate(bytes.Length * 2);
            Span<char> chars = s.WritableSpan;
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digit(bytes[i] >> 4, letterA);
                chars[2 * i + 1] = Digit(bytes[i] & 0xf, letterA);
            }
            return s;
        }

        private static char Digit(int d, char letterA) => (char)(d < 10 ? '0' + d : letterA + d - 10);

        public static byte[] FromHexString(string s)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return FromHexString(s.AsSpan());
        }

        public static byte[] FromHexString(ReadOnlySpan<char> chars)
        {
            if (chars.Length % 2 != 0) throw new FormatException("The input is not a valid hex string as its length is not a multiple of 2.");
            var bytes = new byte[chars.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                int hi = HexValue(chars[2 * i]), lo = HexValue(chars[2 * i + 1]);
                if (hi < 0 || lo < 0) throw new FormatException("The input is not a valid hex string as it contains a non-hex character.");
                bytes[i] = (byte)((hi << 4) | lo);
            }
            return bytes;
        }

        private static int HexValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        public static string ToBase64String(byte[] inArray)
        {
            if (inArray is null) throw new ArgumentNullException(nameof(inArray));
            return ToBase64String(new ReadOnlySpan<byte>(inArray));
        }

        public static string ToBase64String(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length == 0) return string.Empty;
            string s = string.FastAllocate((bytes.Length + 2) / 3 * 4);
            Span<char> chars = s.WritableSpan;
            int o = 0;
            for (int i = 0; i < bytes.Length; i += 3)
            {
                int remaining = bytes.Length - i;
                int b0 = bytes[i], b1 = remaining > 1 ? bytes[i + 1] : 0, b2 = remaining > 2 ? bytes[i + 2] : 0;
                chars[o++] = Base64Alphabet[b0 >> 2];
                chars[o++] = Base64Alphabet[((b0 & 3) << 4) | (b1 >> 4)];
                chars[o++] = remaining > 1 ? Base64Alphabet[((b1 & 0xf) << 2) | (b2 >> 6)] : '=';
                chars[o++] = remaining > 2 ? Base64Alphabet[b2 & 0x3f] : '=';
            }
            return s;
        }

        // Accepts white space between characters, as .NET does; padding is required.
        public static byte[] FromBase64String(string s)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            var values = new System.Collections.Generic.List<int>(s.Length);
            int padding = 0;
            foreach (char c in s)
            {
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
                if (c == '=') { padding++; values.Add(0); continue; }
                int v = Base64Alphabet.IndexOf(c);
                if (v < 0 || padding > 0) throw BadBase64();
                values.Add(v);
            }
            if (values.Count % 4 != 0 || padding > 2) throw BadBase64();
            var bytes = new byte[values.Count / 4 * 3 - padding];
            int o = 0;
            for (int i = 0; i < values.Count; i += 4)
            {
                int n = (values[i] << 18) | (values[i + 1] << 12) | (values[i + 2] << 6) | values[i + 3];
                if (o < bytes.Length) bytes[o++] = (byte)(n >> 16);
                if (o < bytes.Length) bytes[o++] = (byte)(n >> 8);
                if (o < bytes.Length) bytes[o++] = (byte)n;
            }
            return bytes;
        }

        private static FormatException BadBase64()
            => new FormatException("The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.");

        public static int ToInt32(string? value, int fromBase)
        {
            if (fromBase != 16 && fromBase != 10) throw new ArgumentException("Invalid Base.", nameof(fromBase));
            if (value is null) return 0;
            if (fromBase == 10) return int.Parse(value);
            ReadOnlySpan<char> digits = value.AsSpan();
            if (digits.Length > 2 && digits[0] == '0' && (digits[1] | 0x20) == 'x') digits = digits.Slice(2);
            return int.Parse(digits, Globalization.NumberStyles.AllowHexSpecifier);
        }
    }
}
