using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System
{
    public sealed unsafe class String
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

        internal static string FastAllocate(int length)
        {
            if (length == 0) return Empty;
            return Unsafe.As<string>(Runtime.RuntimeImports.NewArray(MethodTable.Of<string>(), length));
        }

        internal static string FromChar(char c)
        {
            string s = FastAllocate(1);
            s._firstChar = c;
            return s;
        }

        public static string Concat(string? a, string? b)
        {
            a ??= Empty; b ??= Empty;
            string r = FastAllocate(a.Length + b.Length);
            fixed (char* dst = &r._firstChar)
            fixed (char* pa = &a._firstChar)
            fixed (char* pb = &b._firstChar)
            {
                Buffer.Memmove((byte*)dst, (byte*)pa, (nuint)a.Length * 2);
                Buffer.Memmove((byte*)(dst + a.Length), (byte*)pb, (nuint)b.Length * 2);
            }
            return r;
        }

        public static string Concat(string? a, string? b, string? c) => Concat(Concat(a, b), c);

        public static string Concat(string? a, string? b, string? c, string? d) => Concat(Concat(a, b), Concat(c, d));

        public static bool operator ==(string? a, string? b) => Equals(a, b);

        public static bool operator !=(string? a, string? b) => !Equals(a, b);

        public static bool Equals(string? a, string? b)
        {
            if ((object?)a == b) return true;
            if (a is null || b is null || a._stringLength != b._stringLength) return false;
            for (int i = 0; i < a._stringLength; i++)
                if (a[i] != b[i]) return false;
            return true;
        }

        public override bool Equals(object? obj) => obj is string s && Equals(this, s);

        public override int GetHashCode()
        {
            uint h = 2166136261;
            for (int i = 0; i < _stringLength; i++) h = (h ^ this[i]) * 16777619;
            return (int)h;
        }

        public override string ToString() => this;
    }
}

namespace System.Reflection
{
    public sealed class DefaultMemberAttribute : Attribute
    {
        public DefaultMemberAttribute(string memberName) { }
    }
}
