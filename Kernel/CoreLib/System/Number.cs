using System.Globalization;
using System.Runtime.CompilerServices;

namespace System
{
    // Integer formatting with .NET's standard formats G, D and X (with precision), invariant culture.
    internal static partial class Number
    {
        internal static string FormatSigned(long value, string? format, int bits)
        {
            char kind = ParseFormat(format, out int precision);
            if (kind == 'X' || kind == 'x')
            {
                ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
                return FormatHex((ulong)value & mask, precision, kind == 'X');
            }
            if (value >= 0) return FormatDecimal((ulong)value, precision, false);
            return FormatDecimal((ulong)(-(value + 1)) + 1, precision, true);
        }

        internal static string FormatUnsigned(ulong value, string? format)
        {
            char kind = ParseFormat(format, out int precision);
            if (kind == 'X' || kind == 'x') return FormatHex(value, precision, kind == 'X');
            return FormatDecimal(value, precision, false);
        }

        // Returns 'G', 'D', 'X' or 'x'; precision is -1 when absent.
        private static char ParseFormat(string? format, out int precision)
        {
            precision = -1;
            if (format is null || format.Length == 0) return 'G';
            char kind = format[0];
            if (format.Length > 1)
            {
                int p = 0;
                for (int i = 1; i < format.Length; i++)
                {
                    char c = format[i];
                    if (c < '0' || c > '9' || p > 99_999_999) throw new FormatException("Format string '" + format + "' is not supported by the guest core library.");
                    p = p * 10 + (c - '0');
                }
                precision = p;
            }
            switch (kind)
            {
                case 'G': case 'g':
                    // G with a precision below the digit count switches to scientific notation on .NET.
                    if (precision > 0) throw new FormatException("Format 'G<n>' is not supported by the guest core library: use 'D<n>'.");
                    return 'G';
                case 'D': case 'd':
                    return 'D';
                case 'X': case 'x':
                    return kind;
                default:
                    throw new FormatException("Format string '" + format + "' is not supported by the guest core library (use G, D or X).");
            }
        }

        internal static unsafe string FormatDecimal(ulong value, int minDigits, bool negative)
        {
            char* buf = stackalloc char[21];
            int pos = 21;
            do
            {
                ulong q = value / 10;
                buf[--pos] = (char)('0' + (int)(value - q * 10));
                value = q;
            }
            while (value != 0);
            int digits = 21 - pos;
            int zeros = minDigits > digits ? minDigits - digits : 0;
            int length = (negative ? 1 : 0) + zeros + digits;
            string s = string.FastAllocate(length);
            ref char dst = ref s.FirstChar;
            int at = 0;
            if (negative) Unsafe.Add(ref dst, at++) = '-';
            for (int i = 0; i < zeros; i++) Unsafe.Add(ref dst, at++) = '0';
            for (int i = pos; i < 21; i++) Unsafe.Add(ref dst, at++) = buf[i];
            return s;
        }

        internal static unsafe string FormatHex(ulong value, int minDigits, bool upper)
        {
            char* buf = stackalloc char[16];
            int pos = 16;
            int letterBase = upper ? 'A' - 10 : 'a' - 10;
            do
            {
                int d = (int)(value & 0xf);
                buf[--pos] = (char)(d < 10 ? '0' + d : letterBase + d);
                value >>= 4;
            }
            while (value != 0);
            int digits = 16 - pos;
            int zeros = minDigits > digits ? minDigits - digits : 0;
            string s = string.FastAllocate(zeros + digits);
            ref char dst = ref s.FirstChar;
            int at = 0;
            for (int i = 0; i < zeros; i++) Unsafe.Add(ref dst, at++) = '0';
            for (int i = pos; i < 16; i++) Unsafe.Add(ref dst, at++) = buf[i];
            return s;
        }
    }

    // Integer parsing with NumberStyles.Integer (whitespace, sign, digits) or HexNumber semantics.
    internal static partial class Number
    {
        internal enum ParseStatus { Ok, Format, Overflow }

        internal static ParseStatus ParseInteger(ReadOnlySpan<char> s, NumberStyles style, int bits, bool signed, out ulong magnitude, out bool negative)
        {
            magnitude = 0;
            negative = false;
            if ((style & ~(NumberStyles.Integer | NumberStyles.AllowHexSpecifier)) != 0)
                throw new ArgumentException("NumberStyles other than Integer and HexNumber are not supported by the guest core library.", nameof(style));
            bool hex = (style & NumberStyles.AllowHexSpecifier) != 0;
            int i = 0;
            if ((style & NumberStyles.AllowLeadingWhite) != 0)
                while (i < s.Length && IsParseWhite(s[i])) i++;
            if (!hex && (style & NumberStyles.AllowLeadingSign) != 0 && i < s.Length)
            {
                if (s[i] == '-') { negative = true; i++; }
                else if (s[i] == '+') i++;
            }
            int firstDigit = i;
            bool overflow = false;
            ulong value = 0;
            ulong limit = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            while (i < s.Length)
            {
                int d = DigitValue(s[i], hex);
                if (d < 0) break;
                if (!overflow)
                {
                    if (hex)
                    {
                        if ((value >> 60) != 0) overflow = true;
                        else value = (value << 4) | (uint)d;
                    }
                    else if (value > (ulong.MaxValue - (uint)d) / 10) overflow = true;
                    else value = value * 10 + (uint)d;
                }
                i++;
            }
            if (i == firstDigit) return ParseStatus.Format;
            if ((style & NumberStyles.AllowTrailingWhite) != 0)
                while (i < s.Length && IsParseWhite(s[i])) i++;
            while (i < s.Length && s[i] == '\0') i++;
            if (i != s.Length) return ParseStatus.Format;
            if (overflow || value > limit) return ParseStatus.Overflow;
            if (!hex)
            {
                ulong maxPositive = signed ? limit >> 1 : limit;
                ulong maxNegative = signed ? (limit >> 1) + 1 : 0;
                if (negative ? value > maxNegative : value > maxPositive) return ParseStatus.Overflow;
            }
            magnitude = value;
            if (value == 0) negative = false;
            return ParseStatus.Ok;
        }

        private static bool IsParseWhite(char c) => c == ' ' || (c >= '\t' && c <= '\r');

        private static int DigitValue(char c, bool hex)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (!hex) return -1;
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        internal static void ThrowParseFailure(ParseStatus status, string typeName)
        {
            if (status == ParseStatus.Overflow)
                throw new OverflowException("Value was either too large or too small for " + typeName switch
                {
                    "Byte" => "an unsigned byte",
                    "SByte" => "a signed byte",
                    _ => (typeName[0] == 'I' ? "an " : "a ") + typeName,
                } + ".");
            throw new FormatException("The input string was not in a correct format.");
        }
    }
}
