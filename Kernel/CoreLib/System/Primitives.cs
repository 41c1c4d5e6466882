namespace System
{
    public struct Void { }

    public readonly struct Boolean : IEquatable<bool>, IComparable<bool>
    {
        private readonly bool _value;

        public static readonly string TrueString = "True";
        public static readonly string FalseString = "False";

        public override string ToString() => _value ? "True" : "False";
        public string ToString(IFormatProvider? provider) => ToString();
        public override bool Equals(object? obj) => obj is bool b && b == _value;
        public bool Equals(bool obj) => _value == obj;
        public int CompareTo(bool value) => _value == value ? 0 : _value ? 1 : -1;
        public override int GetHashCode() => _value ? 1 : 0;

        public static bool Parse(string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            if (TryParse(value, out bool result)) return result;
            throw new FormatException("String '" + value + "' was not recognized as a valid Boolean.");
        }

        public static bool TryParse(string? value, out bool result)
        {
            result = false;
            if (value is null) return false;
            string t = value.Trim();
            if (t.Equals("True", StringComparison.OrdinalIgnoreCase)) { result = true; return true; }
            return t.Equals("False", StringComparison.OrdinalIgnoreCase);
        }
    }

    public readonly struct Char : IEquatable<char>, IComparable<char>
    {
        private readonly char _value;

        public const char MinValue = (char)0;
        public const char MaxValue = (char)0xffff;

        public override string ToString() => string.FromChar(_value);
        public static string ToString(char c) => string.FromChar(c);
        public override int GetHashCode() => _value | (_value << 16);
        public override bool Equals(object? obj) => obj is char c && c == _value;
        public bool Equals(char obj) => _value == obj;
        public int CompareTo(char value) => _value - value;

        public static bool IsDigit(char c) => c >= '0' && c <= '9';
        public static bool IsAsciiDigit(char c) => c >= '0' && c <= '9';
        public static bool IsAsciiHexDigit(char c) => IsAsciiDigit(c) || ((uint)((c | 0x20) - 'a') <= 'f' - 'a');
        public static bool IsAsciiLetter(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';
        public static bool IsAsciiLetterOrDigit(char c) => IsAsciiLetter(c) || IsAsciiDigit(c);
        public static bool IsAscii(char c) => c <= 0x7f;

        // ASCII and Latin-1 only: the guest has no Unicode category tables.
        public static bool IsLetter(char c)
            => IsAsciiLetter(c) || (c >= 0xc0 && c <= 0xff && c != 0xd7 && c != 0xf7) || c == 0xaa || c == 0xb5 || c == 0xba;

        public static bool IsLetterOrDigit(char c) => IsLetter(c) || IsDigit(c);
        public static bool IsUpper(char c) => (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7);
        public static bool IsLower(char c) => (c >= 'a' && c <= 'z') || (c >= 0xdf && c <= 0xff && c != 0xf7) || c == 0xb5;

        // The full set of Unicode White_Space characters, as .NET's char.IsWhiteSpace.
        public static bool IsWhiteSpace(char c)
        {
            if (c <= 0xff) return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0 || c == 0x85;
            return c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
        }

        public static bool IsControl(char c) => c < 0x20 || (c >= 0x7f && c < 0xa0);

        public static char ToUpperInvariant(char c)
        {
            if (c >= 'a' && c <= 'z') return (char)(c - 0x20);
            if (c < 0xe0) return c == 0xb5 ? (char)0x39c : c;
            if (c <= 0xfe && c != 0xf7) return (char)(c - 0x20);
            return c == 0xff ? (char)0x178 : c;
        }

        public static char ToLowerInvariant(char c)
        {
            if (c >= 'A' && c <= 'Z') return (char)(c + 0x20);
            if (c >= 0xc0 && c <= 0xde && c != 0xd7) return (char)(c + 0x20);
            return c == 0x178 ? (char)0xff : c;
        }

        public static char ToUpper(char c) => ToUpperInvariant(c);
        public static char ToLower(char c) => ToLowerInvariant(c);

        public static bool IsHighSurrogate(char c) => c >= 0xd800 && c <= 0xdbff;
        public static bool IsLowSurrogate(char c) => c >= 0xdc00 && c <= 0xdfff;
        public static bool IsSurrogate(char c) => c >= 0xd800 && c <= 0xdfff;
    }

    public unsafe struct IntPtr : IEquatable<nint>
    {
        private readonly void* _value;
        public static readonly nint Zero;
        public IntPtr(void* value) { _value = value; }
        public IntPtr(int value) { _value = (void*)value; }
        public IntPtr(long value) { _value = (void*)value; }
        public static int Size => sizeof(nint);
        public static nint MaxValue => unchecked((nint)long.MaxValue);
        public static nint MinValue => unchecked((nint)long.MinValue);
        public override int GetHashCode() => ((long)_value).GetHashCode();
        public override bool Equals(object? obj) => obj is nint other && other == (nint)_value;
        public bool Equals(nint other) => (nint)_value == other;
        public override string ToString() => ((long)_value).ToString();
        public string ToString(string? format) => ((long)_value).ToString(format);
        public void* ToPointer() => _value;
    }

    public unsafe struct UIntPtr : IEquatable<nuint>
    {
        private readonly void* _value;
        public static readonly nuint Zero;
        public UIntPtr(void* value) { _value = value; }
        public UIntPtr(uint value) { _value = (void*)value; }
        public UIntPtr(ulong value) { _value = (void*)value; }
        public static int Size => sizeof(nuint);
        public static nuint MaxValue => unchecked((nuint)ulong.MaxValue);
        public static nuint MinValue => 0;
        public override int GetHashCode() => ((ulong)_value).GetHashCode();
        public override bool Equals(object? obj) => obj is nuint other && other == (nuint)_value;
        public bool Equals(nuint other) => (nuint)_value == other;
        public override string ToString() => ((ulong)_value).ToString();
        public string ToString(string? format) => ((ulong)_value).ToString(format);
        public void* ToPointer() => _value;
    }

    public struct Single { private readonly float _value; }
    // Arithmetic works (SSE2); formatting and parsing of floating point are not in the guest.
    public readonly struct Double
    {
        private readonly double _value;

        public const double PositiveInfinity = 1.0 / 0.0;
        public const double NegativeInfinity = -1.0 / 0.0;
        public const double NaN = 0.0 / 0.0;
        public const double MaxValue = 1.7976931348623157E+308;
        public const double MinValue = -1.7976931348623157E+308;

#pragma warning disable CS1718 // NaN is the one value that differs from itself
        public static bool IsNaN(double d) => d != d;
#pragma warning restore CS1718

        public static bool IsInfinity(double d) => d == PositiveInfinity || d == NegativeInfinity;

        public static bool IsFinite(double d) => !IsNaN(d) && !IsInfinity(d);
    }
}
