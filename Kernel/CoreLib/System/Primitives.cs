namespace System
{
    public struct Void { }

    public struct Boolean
    {
        private readonly bool _value;
        public override string ToString() => _value ? "True" : "False";
        public override bool Equals(object? obj) => obj is bool b && b == _value;
        public override int GetHashCode() => _value ? 1 : 0;
    }

    public struct Char
    {
        private readonly char _value;
        public override string ToString() => string.FromChar(_value);
        public override int GetHashCode() => _value;
        public static bool IsDigit(char c) => c >= '0' && c <= '9';
        public static bool IsWhiteSpace(char c) => c == ' ' || (c >= '\t' && c <= '\r');
    }

    public struct SByte { private readonly sbyte _value; public override string ToString() => Number.Format(_value); }
    public struct Byte { private readonly byte _value; public override string ToString() => Number.Format(_value); public override int GetHashCode() => _value; }
    public struct Int16 { private readonly short _value; public override string ToString() => Number.Format(_value); }
    public struct UInt16 { private readonly ushort _value; public override string ToString() => Number.Format(_value); public override int GetHashCode() => _value; }

    public struct Int32
    {
        private readonly int _value;
        public const int MaxValue = 0x7fffffff;
        public const int MinValue = unchecked((int)0x80000000);
        public override string ToString() => Number.Format(_value);
        public override int GetHashCode() => _value;
        public override bool Equals(object? obj) => obj is int i && i == _value;
    }

    public struct UInt32
    {
        private readonly uint _value;
        public const uint MaxValue = 0xffffffff;
        public override string ToString() => Number.Format(_value);
        public override int GetHashCode() => (int)_value;
    }

    public struct Int64
    {
        private readonly long _value;
        public const long MaxValue = 0x7fffffffffffffff;
        public override string ToString() => Number.Format(_value);
        public override int GetHashCode() => (int)_value ^ (int)(_value >> 32);
    }

    public struct UInt64
    {
        private readonly ulong _value;
        public const ulong MaxValue = 0xffffffffffffffff;
        public override string ToString() => Number.Format(_value);
        public override int GetHashCode() => (int)_value ^ (int)(_value >> 32);
    }

    public unsafe struct IntPtr
    {
        private readonly void* _value;
        public static readonly nint Zero;
        public IntPtr(void* value) { _value = value; }
        public IntPtr(long value) { _value = (void*)value; }
        public static int Size => sizeof(nint);
        public override int GetHashCode() => (int)(long)_value;
    }

    public unsafe struct UIntPtr
    {
        private readonly void* _value;
        public UIntPtr(void* value) { _value = value; }
        public override int GetHashCode() => (int)(ulong)_value;
    }

    public struct Single { private readonly float _value; }
    public struct Double { private readonly double _value; }
}
