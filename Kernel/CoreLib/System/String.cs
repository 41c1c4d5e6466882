using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System
{
    // Ordinal, invariant string: the guest has no culture data, so every comparison is ordinal
    // (as .NET behaves with InvariantGlobalization) and casing covers ASCII and Latin-1.
    public sealed unsafe partial class String : IEquatable<string>, IComparable<string>
    {
        // Layout fixed by ILCompiler: length, then the UTF-16 characters inline.
        private readonly int _stringLength;
        private char _firstChar;

        public static readonly string Empty = "";

        public int Length => _stringLength;

        [IndexerName("Chars")]
        public char this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_stringLength)
                    Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
                return Unsafe.Add(ref _firstChar, index);
            }
        }

        internal ref char FirstChar => ref _firstChar;

        public ref readonly char GetPinnableReference() => ref _firstChar;

        internal static string FastAllocate(int length)
        {
            if (length == 0) return Empty;
            if (length < 0) throw new OutOfMemoryException();
            return Unsafe.As<string>(Runtime.RuntimeImports.NewArray(MethodTable.Of<string>(), length));
        }

        internal static string FromChar(char c)
        {
            string s = FastAllocate(1);
            s._firstChar = c;
            return s;
        }

        internal static string FromSpan(ReadOnlySpan<char> chars)
        {
            if (chars.Length == 0) return Empty;
            string s = FastAllocate(chars.Length);
            chars.CopyTo(new Span<char>(ref s._firstChar, chars.Length));
            return s;
        }

        internal Span<char> WritableSpan => new Span<char>(ref _firstChar, _stringLength);

        // ILCompiler turns `new string(...)` into a call to the static Ctor with the same parameters.
        [MethodImpl(MethodImplOptions.InternalCall)] public extern String(char[]? value);
        [MethodImpl(MethodImplOptions.InternalCall)] public extern String(char[] value, int startIndex, int length);
        [MethodImpl(MethodImplOptions.InternalCall)] public extern String(char c, int count);
        [MethodImpl(MethodImplOptions.InternalCall)] public extern String(ReadOnlySpan<char> value);
        [MethodImpl(MethodImplOptions.InternalCall)] public extern String(char* value, int startIndex, int length);

        private static string Ctor(char[]? value) => value is null ? Empty : FromSpan(value);

        private static string Ctor(char[] value, int startIndex, int length)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            return FromSpan(new ReadOnlySpan<char>(value, startIndex, length));
        }

        private static string Ctor(char c, int count)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "Non-negative number required.");
            string s = FastAllocate(count);
            for (int i = 0; i < count; i++) Unsafe.Add(ref s._firstChar, i) = c;
            return s;
        }

        private static string Ctor(ReadOnlySpan<char> value) => FromSpan(value);

        private static string Ctor(char* value, int startIndex, int length) => FromSpan(new ReadOnlySpan<char>(value + startIndex, length));

        public static implicit operator ReadOnlySpan<char>(string? value) => MemoryExtensions.AsSpan(value);

        public static bool IsNullOrEmpty([Diagnostics.CodeAnalysis.NotNullWhen(false)] string? value) => value is null || value._stringLength == 0;

        public static bool IsNullOrWhiteSpace([Diagnostics.CodeAnalysis.NotNullWhen(false)] string? value)
        {
            if (value is null) return true;
            for (int i = 0; i < value._stringLength; i++)
                if (!char.IsWhiteSpace(value[i])) return false;
            return true;
        }

        public static bool operator ==(string? a, string? b) => Equals(a, b);

        public static bool operator !=(string? a, string? b) => !Equals(a, b);

        public static bool Equals(string? a, string? b)
        {
            if ((object?)a == b) return true;
            if (a is null || b is null || a._stringLength != b._stringLength) return false;
            return ((ReadOnlySpan<char>)a).SequenceEqual(b);
        }

        public static bool Equals(string? a, string? b, StringComparison comparisonType)
        {
            if (!IsIgnoreCase(comparisonType)) return Equals(a, b);
            if ((object?)a == b) return true;
            if (a is null || b is null || a._stringLength != b._stringLength) return false;
            return CompareIgnoreCase(a, b) == 0;
        }

        public override bool Equals(object? obj) => obj is string s && Equals(this, s);

        public bool Equals(string? value) => Equals(this, value);

        public bool Equals(string? value, StringComparison comparisonType) => Equals(this, value, comparisonType);

        // FNV-1a over the UTF-16 code units: stable within a run, which is all .NET promises.
        public override int GetHashCode()
        {
            uint h = 2166136261;
            for (int i = 0; i < _stringLength; i++) h = (h ^ Unsafe.Add(ref _firstChar, i)) * 16777619;
            return (int)h;
        }

        public int GetHashCode(StringComparison comparisonType)
        {
            if (!IsIgnoreCase(comparisonType)) return GetHashCode();
            uint h = 2166136261;
            for (int i = 0; i < _stringLength; i++) h = (h ^ char.ToUpperInvariant(Unsafe.Add(ref _firstChar, i))) * 16777619;
            return (int)h;
        }

        public static int CompareOrdinal(string? a, string? b)
        {
            if ((object?)a == b) return 0;
            if (a is null) return -1;
            if (b is null) return 1;
            int n = a.Length < b.Length ? a.Length : b.Length;
            for (int i = 0; i < n; i++)
            {
                int d = a[i] - b[i];
                if (d != 0) return d;
            }
            return a.Length - b.Length;
        }

        public static int Compare(string? a, string? b, StringComparison comparisonType)
        {
            if (!IsIgnoreCase(comparisonType)) return CompareOrdinal(a, b);
            if ((object?)a == b) return 0;
            if (a is null) return -1;
            if (b is null) return 1;
            return CompareIgnoreCase(a, b);
        }

        public static int Compare(string? a, string? b) => CompareOrdinal(a, b);

        public int CompareTo(string? other) => CompareOrdinal(this, other);

        private static int CompareIgnoreCase(string a, string b)
        {
            int n = a.Length < b.Length ? a.Length : b.Length;
            for (int i = 0; i < n; i++)
            {
                int d = char.ToUpperInvariant(a[i]) - char.ToUpperInvariant(b[i]);
                if (d != 0) return d;
            }
            return a.Length - b.Length;
        }

        internal static bool IsIgnoreCase(StringComparison comparisonType)
        {
            if ((uint)comparisonType > (uint)StringComparison.OrdinalIgnoreCase)
                throw new ArgumentException("The string comparison type passed in is currently not supported.", nameof(comparisonType));
            return ((int)comparisonType & 1) != 0;
        }

        public override string ToString() => this;

        public string ToString(IFormatProvider? provider) => this;

        public char[] ToCharArray()
        {
            char[] result = new char[_stringLength];
            ((ReadOnlySpan<char>)this).CopyTo(result);
            return result;
        }

        public CharEnumerator GetEnumerator() => new CharEnumerator(this);
    }

    public struct CharEnumerator
    {
        private readonly string _s;
        private int _index;

        internal CharEnumerator(string s) { _s = s; _index = -1; }

        public bool MoveNext() => ++_index < _s.Length;

        public readonly char Current => _s[_index];
    }
}

namespace System.Reflection
{
    public sealed class DefaultMemberAttribute : Attribute
    {
        public DefaultMemberAttribute(string memberName) { }
    }
}

namespace System.Diagnostics.CodeAnalysis
{
    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class NotNullWhenAttribute : Attribute { public NotNullWhenAttribute(bool returnValue) { } }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class MaybeNullWhenAttribute : Attribute { public MaybeNullWhenAttribute(bool returnValue) { } }

    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.ReturnValue)]
    public sealed class NotNullIfNotNullAttribute : Attribute { public NotNullIfNotNullAttribute(string parameterName) { } }

    public sealed class NotNullAttribute : Attribute { }
    public sealed class MaybeNullAttribute : Attribute { }
    public sealed class AllowNullAttribute : Attribute { }
    public sealed class DisallowNullAttribute : Attribute { }
    public sealed class DoesNotReturnAttribute : Attribute { }
    public sealed class DoesNotReturnIfAttribute : Attribute { public DoesNotReturnIfAttribute(bool parameterValue) { } }
    public sealed class MemberNotNullAttribute : Attribute { public MemberNotNullAttribute(params string[] members) { } }
    public sealed class MemberNotNullWhenAttribute : Attribute { public MemberNotNullWhenAttribute(bool returnValue, params string[] members) { } }
    public sealed class SuppressMessageAttribute : Attribute
    {
        public SuppressMessageAttribute(string category, string checkId) { }
        public string? Justification { get; set; }
    }
    public sealed class UnscopedRefAttribute : Attribute { }
}
