using System.Globalization;
using System.Runtime.CompilerServices;

namespace System
{
    // Integer formatting with .NET's standard formats G, D and X (with precision), invariant culture.
    // Everything formats into a span first; the string forms copy the span out.
    internal static partial class Number
    {
        private const int MaxDigits = 64;   // enough for any precision we accept after the number's own digits

        internal static string FormatSigned(long value, ReadOnlySpan<char> format, int bits)
        {
            Span<char> buffer = stackalloc char[MaxDigits + 2];
            if (!TryFormatSigned(value, format, bits, buffer, out int written)) return SlowFormatSigned(value, format, bits);
            return string.FromSpan(buffer.Slice(0, written));
        }

        internal static string FormatUnsigned(ulong value, ReadOnlySpan<char> format)
        {
            Span<char> buffer = stackalloc char[MaxDigits + 2];
            if (!TryFormatUnsigned(value, format, buffer, out int written)) return SlowFormatUnsigned(value, format);
            return string.FromSpan(buffer.Slice(0, written));
        }

        // Large precisions ("D200") do not fit the stack buffer.
        private static string SlowFormatSigned(long value, ReadOnlySpan<char> format, int bits)
        {
            ParseFormat(format, out int precision);
            char[] buffer = new char[precision + 24];
            TryFormatSigned(value, format, bits, buffer, out int written);
            return string.FromSpan(new ReadOnlySpan<char>(buffer, 0, written));
        }

        private static string SlowFormatUnsigned(ulong value, ReadOnlySpan<char> format)
        {
            ParseFormat(format, out int precision);
            char[] buffer = new char[precision + 24];
            TryFormatUnsigned(value, format, buffer, out int written);
            return string.FromSpan(new ReadOnlySpan<char>(buffer, 0, written));
        }

        internal static bool TryFormatSigned(long value, ReadOnlySpan<char> format, int bits, Span<char> destination, out int written)
        {
            char kind = ParseFormat(format, out int precision);
            if (kind == 'X' || kind == 'x')
            {
                ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
                return TryFormatHex((ulong)value & mask, precision, kind == 'X', destination, out written);
            }
            if (value >= 0) return TryFormatDecimal((ulong)value, precision, false, destination, out written);
            return TryFormatDecimal((ulong)(-(value + 1)) + 1, precision, true, destination, out written);
        }

        internal static bool TryFormatUnsigned(ulong value, ReadOnlySpan<char> format, Span<char> destination, out int written)
        {
            char kind = ParseFormat(format, out int precision);
            if (kind == 'X' || kind == 'x') return TryFormatHex(value, precision, kind == 'X', destination, out written);
            return TryFormatDecimal(value, precision, false, destination, out written);
        }

        // Returns 'G', 'D', 'X' or 'x'; precision is -1 when absent.
        private static char ParseFormat(ReadOnlySpan<char> format, out int precision)
        {
            precision = -1;
            if (format.Length == 0) return 'G';
            char kind = format[0];
            if (format.Length > 1)
            {
                int p = 0;
                for (int i = 1; i < format.Length; i++)
                {
                    char c = format[i];
                    if (c < '0' || c > '9' || p > 99_999_999) throw UnsupportedFormat(format);
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
                    throw UnsupportedFormat(format);
            }
        }

        private static FormatException UnsupportedFormat(ReadOnlySpan<char> format)
            => new FormatException("Format string '" + string.FromSpan(format) + "' is not supported by the guest core library (use G, D or X).");

        private static unsafe bool TryFormatDecimal(ulong value, int minDigits, bool negative, Span<char> destination, out int written)
        {
            // One division pass, digits written backwards into a scratch buffer.
            char* digitsBuffer = stackalloc char[20];
            int pos = 20;
            do
            {
                ulong q = value / 10;
                digitsBuffer[--pos] = (char)('0' + (int)(value - q * 10));
                value = q;
            }
            while (value != 0);
            int digits = 20 - pos;
            int zeros = minDigits > digits ? minDigits - digits : 0;
            int length = (negative ? 1 : 0) + zeros + digits;
            if (length > destination.Length)
            {
                written = 0;
                return false;
            }
            int at = 0;
            if (negative) destination[at++] = '-';
            for (int i = 0; i < zeros; i++) destination[at++] = '0';
            new ReadOnlySpan<char>(digitsBuffer + pos, digits).CopyTo(destination.Slice(at));
            written = length;
            return true;
        }

        private static bool TryFormatHex(ulong value, int minDigits, bool upper, Span<char> destination, out int written)
        {
            int digits = 1;
            for (ulong v = value; v >= 16; v >>= 4) digits++;
            int length = minDigits > digits ? minDigits : digits;
            if (length > destination.Length)
            {
                written = 0;
                return false;
            }
            int letterBase = upper ? 'A' - 10 : 'a' - 10;
            for (int i = length - 1; i >= 0; i--)
            {
                int d = (int)(value & 0xf);
                destination[i] = (char)(d < 10 ? '0' + d : letterBase + d);
                value >>= 4;
            }
            written = length;
            return true;
        }

        internal static string FormatHex(ulong value, int minDigits, bool upper)
        {
            Span<char> buffer = stackalloc char[MaxDigits + 2];
            if (minDigits > MaxDigits) return new string('0', minDigits - 16) + FormatHex(value, 16, upper);
            TryFormatHex(value, minDigits, upper, buffer, out int written);
            return string.FromSpan(buffer.Slice(0, written));
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

        internal static void ThrowParseFailure(ParseStatus status, string typeName, ReadOnlySpan<char> input)
        {
            if (status == ParseStatus.Overflow)
                throw new OverflowException("Value was either too large or too small for " + typeName switch
                {
                    "Byte" => "an unsigned byte",
                    "SByte" => "a signed byte",
                    _ => (typeName[0] == 'I' ? "an " : "a ") + typeName,
                } + ".");
            throw new FormatException("The input string '" + string.FromSpan(input) + "' was not in a correct format.");
        }
    }
}
