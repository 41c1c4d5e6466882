// The eight integer primitives share one shape (comparison, formatting, parsing through Number):
// keep edits uniform across them.
using System.Globalization;

namespace System
{

    public readonly struct SByte : IComparable<sbyte>, IEquatable<sbyte>, ISpanFormattable, IComparable
    {
        private readonly sbyte _value;

        public const sbyte MinValue = -128;
        public const sbyte MaxValue = 127;

        public override string ToString() => Number.FormatSigned(_value, null, 8);
        public string ToString(string? format) => Number.FormatSigned(_value, format, 8);
        public string ToString(IFormatProvider? provider) => Number.FormatSigned(_value, null, 8);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatSigned(_value, format, 8);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatSigned(_value, format, 8, destination, out charsWritten);

        public override int GetHashCode() => (byte)_value | (_value << 8);
        public override bool Equals(object? obj) => obj is sbyte other && other == _value;
        public bool Equals(sbyte obj) => _value == obj;
        public int CompareTo(sbyte value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is sbyte other) return CompareTo(other);
            throw new ArgumentException("Object must be of type SByte.");
        }

        public static sbyte Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static sbyte Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static sbyte Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static sbyte Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static sbyte Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 8, true, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "SByte", s);
            return negative ? unchecked((sbyte)(0 - magnitude)) : unchecked((sbyte)magnitude);
        }

        public static bool TryParse(string? s, out sbyte result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out sbyte result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out sbyte result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out sbyte result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out sbyte result)
        {
            if (Number.ParseInteger(s, style, 8, true, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = negative ? unchecked((sbyte)(0 - magnitude)) : unchecked((sbyte)magnitude);
            return true;
        }
    }

    public readonly struct Byte : IComparable<byte>, IEquatable<byte>, ISpanFormattable, IComparable
    {
        private readonly byte _value;

        public const byte MinValue = 0;
        public const byte MaxValue = 255;

        public override string ToString() => Number.FormatUnsigned(_value, null);
        public string ToString(string? format) => Number.FormatUnsigned(_value, format);
        public string ToString(IFormatProvider? provider) => Number.FormatUnsigned(_value, null);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatUnsigned(_value, format);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatUnsigned(_value, format, destination, out charsWritten);

        public override int GetHashCode() => _value;
        public override bool Equals(object? obj) => obj is byte other && other == _value;
        public bool Equals(byte obj) => _value == obj;
        public int CompareTo(byte value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is byte other) return CompareTo(other);
            throw new ArgumentException("Object must be of type Byte.");
        }

        public static byte Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static byte Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static byte Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static byte Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static byte Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 8, false, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "Byte", s);
            return unchecked((byte)magnitude);
        }

        public static bool TryParse(string? s, out byte result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out byte result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out byte result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out byte result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out byte result)
        {
            if (Number.ParseInteger(s, style, 8, false, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = unchecked((byte)magnitude);
            return true;
        }
    }

    public readonly struct Int16 : IComparable<short>, IEquatable<short>, ISpanFormattable, IComparable
    {
        private readonly short _value;

        public const short MinValue = -32768;
        public const short MaxValue = 32767;

        public override string ToString() => Number.FormatSigned(_value, null, 16);
        public string ToString(string? format) => Number.FormatSigned(_value, format, 16);
        public string ToString(IFormatProvider? provider) => Number.FormatSigned(_value, null, 16);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatSigned(_value, format, 16);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatSigned(_value, format, 16, destination, out charsWritten);

        public override int GetHashCode() => (ushort)_value | (_value << 16);
        public override bool Equals(object? obj) => obj is short other && other == _value;
        public bool Equals(short obj) => _value == obj;
        public int CompareTo(short value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is short other) return CompareTo(other);
            throw new ArgumentException("Object must be of type Int16.");
        }

        public static short Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static short Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static short Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static short Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static short Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 16, true, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "Int16", s);
            return negative ? unchecked((short)(0 - magnitude)) : unchecked((short)magnitude);
        }

        public static bool TryParse(string? s, out short result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out short result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out short result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out short result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out short result)
        {
            if (Number.ParseInteger(s, style, 16, true, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = negative ? unchecked((short)(0 - magnitude)) : unchecked((short)magnitude);
            return true;
        }
    }

    public readonly struct UInt16 : IComparable<ushort>, IEquatable<ushort>, ISpanFormattable, IComparable
    {
        private readonly ushort _value;

        public const ushort MinValue = 0;
        public const ushort MaxValue = 65535;

        public override string ToString() => Number.FormatUnsigned(_value, null);
        public string ToString(string? format) => Number.FormatUnsigned(_value, format);
        public string ToString(IFormatProvider? provider) => Number.FormatUnsigned(_value, null);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatUnsigned(_value, format);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatUnsigned(_value, format, destination, out charsWritten);

        public override int GetHashCode() => _value;
        public override bool Equals(object? obj) => obj is ushort other && other == _value;
        public bool Equals(ushort obj) => _value == obj;
        public int CompareTo(ushort value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is ushort other) return CompareTo(other);
            throw new ArgumentException("Object must be of type UInt16.");
        }

        public static ushort Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static ushort Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static ushort Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static ushort Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static ushort Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 16, false, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "UInt16", s);
            return unchecked((ushort)magnitude);
        }

        public static bool TryParse(string? s, out ushort result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out ushort result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out ushort result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out ushort result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out ushort result)
        {
            if (Number.ParseInteger(s, style, 16, false, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = unchecked((ushort)magnitude);
            return true;
        }
    }

    public readonly struct Int32 : IComparable<int>, IEquatable<int>, ISpanFormattable, IComparable
    {
        private readonly int _value;

        public const int MinValue = unchecked((int)0x80000000);
        public const int MaxValue = 2147483647;

        public override string ToString() => Number.FormatSigned(_value, null, 32);
        public string ToString(string? format) => Number.FormatSigned(_value, format, 32);
        public string ToString(IFormatProvider? provider) => Number.FormatSigned(_value, null, 32);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatSigned(_value, format, 32);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatSigned(_value, format, 32, destination, out charsWritten);

        public override int GetHashCode() => _value;
        public override bool Equals(object? obj) => obj is int other && other == _value;
        public bool Equals(int obj) => _value == obj;
        public int CompareTo(int value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is int other) return CompareTo(other);
            throw new ArgumentException("Object must be of type Int32.");
        }

        public static int Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static int Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static int Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static int Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static int Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 32, true, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "Int32", s);
            return negative ? unchecked((int)(0 - magnitude)) : unchecked((int)magnitude);
        }

        public static bool TryParse(string? s, out int result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out int result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out int result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out int result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out int result)
        {
            if (Number.ParseInteger(s, style, 32, true, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = negative ? unchecked((int)(0 - magnitude)) : unchecked((int)magnitude);
            return true;
        }
    }

    public readonly struct UInt32 : IComparable<uint>, IEquatable<uint>, ISpanFormattable, IComparable
    {
        private readonly uint _value;

        public const uint MinValue = 0;
        public const uint MaxValue = 0xffffffff;

        public override string ToString() => Number.FormatUnsigned(_value, null);
        public string ToString(string? format) => Number.FormatUnsigned(_value, format);
        public string ToString(IFormatProvider? provider) => Number.FormatUnsigned(_value, null);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatUnsigned(_value, format);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatUnsigned(_value, format, destination, out charsWritten);

        public override int GetHashCode() => (int)_value;
        public override bool Equals(object? obj) => obj is uint other && other == _value;
        public bool Equals(uint obj) => _value == obj;
        public int CompareTo(uint value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is uint other) return CompareTo(other);
            throw new ArgumentException("Object must be of type UInt32.");
        }

        public static uint Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static uint Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static uint Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static uint Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static uint Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 32, false, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "UInt32", s);
            return unchecked((uint)magnitude);
        }

        public static bool TryParse(string? s, out uint result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out uint result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out uint result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out uint result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out uint result)
        {
            if (Number.ParseInteger(s, style, 32, false, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = unchecked((uint)magnitude);
            return true;
        }
    }

    public readonly struct Int64 : IComparable<long>, IEquatable<long>, ISpanFormattable, IComparable
    {
        private readonly long _value;

        public const long MinValue = unchecked((long)0x8000000000000000);
        public const long MaxValue = 9223372036854775807;

        public override string ToString() => Number.FormatSigned(_value, null, 64);
        public string ToString(string? format) => Number.FormatSigned(_value, format, 64);
        public string ToString(IFormatProvider? provider) => Number.FormatSigned(_value, null, 64);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatSigned(_value, format, 64);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatSigned(_value, format, 64, destination, out charsWritten);

        public override int GetHashCode() => (int)_value ^ (int)(_value >> 32);
        public override bool Equals(object? obj) => obj is long other && other == _value;
        public bool Equals(long obj) => _value == obj;
        public int CompareTo(long value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is long other) return CompareTo(other);
            throw new ArgumentException("Object must be of type Int64.");
        }

        public static long Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static long Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static long Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static long Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static long Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 64, true, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "Int64", s);
            return negative ? unchecked((long)(0 - magnitude)) : unchecked((long)magnitude);
        }

        public static bool TryParse(string? s, out long result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out long result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out long result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out long result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out long result)
        {
            if (Number.ParseInteger(s, style, 64, true, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = negative ? unchecked((long)(0 - magnitude)) : unchecked((long)magnitude);
            return true;
        }
    }

    public readonly struct UInt64 : IComparable<ulong>, IEquatable<ulong>, ISpanFormattable, IComparable
    {
        private readonly ulong _value;

        public const ulong MinValue = 0;
        public const ulong MaxValue = 0xffffffffffffffff;

        public override string ToString() => Number.FormatUnsigned(_value, null);
        public string ToString(string? format) => Number.FormatUnsigned(_value, format);
        public string ToString(IFormatProvider? provider) => Number.FormatUnsigned(_value, null);
        public string ToString(string? format, IFormatProvider? provider) => Number.FormatUnsigned(_value, format);

        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
            => Number.TryFormatUnsigned(_value, format, destination, out charsWritten);

        public override int GetHashCode() => (int)_value ^ (int)(_value >> 32);
        public override bool Equals(object? obj) => obj is ulong other && other == _value;
        public bool Equals(ulong obj) => _value == obj;
        public int CompareTo(ulong value) => _value < value ? -1 : _value > value ? 1 : 0;
        public int CompareTo(object? value)
        {
            if (value is null) return 1;
            if (value is ulong other) return CompareTo(other);
            throw new ArgumentException("Object must be of type UInt64.");
        }

        public static ulong Parse(string s) => Parse(s, NumberStyles.Integer, null);
        public static ulong Parse(string s, IFormatProvider? provider) => Parse(s, NumberStyles.Integer, provider);
        public static ulong Parse(string s, NumberStyles style) => Parse(s, style, null);
        public static ulong Parse(string s, NumberStyles style, IFormatProvider? provider)
        {
            if (s is null) throw new ArgumentNullException(nameof(s));
            return Parse(s.AsSpan(), style, provider);
        }
        public static ulong Parse(ReadOnlySpan<char> s, NumberStyles style = NumberStyles.Integer, IFormatProvider? provider = null)
        {
            Number.ParseStatus status = Number.ParseInteger(s, style, 64, false, out ulong magnitude, out bool negative);
            if (status != Number.ParseStatus.Ok) Number.ThrowParseFailure(status, "UInt64", s);
            return unchecked((ulong)magnitude);
        }

        public static bool TryParse(string? s, out ulong result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(string? s, IFormatProvider? provider, out ulong result) => TryParse(s, NumberStyles.Integer, provider, out result);
        public static bool TryParse(string? s, NumberStyles style, IFormatProvider? provider, out ulong result)
        {
            if (s is null) { result = 0; return false; }
            return TryParse(s.AsSpan(), style, provider, out result);
        }
        public static bool TryParse(ReadOnlySpan<char> s, out ulong result) => TryParse(s, NumberStyles.Integer, null, out result);
        public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out ulong result)
        {
            if (Number.ParseInteger(s, style, 64, false, out ulong magnitude, out bool negative) != Number.ParseStatus.Ok)
            {
                result = 0;
                return false;
            }
            result = unchecked((ulong)magnitude);
            return true;
        }
    }
}
