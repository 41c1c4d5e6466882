namespace System
{
    public static partial class Math
    {
        public static int Min(int a, int b) => a <= b ? a : b;
        public static uint Min(uint a, uint b) => a <= b ? a : b;
        public static long Min(long a, long b) => a <= b ? a : b;
        public static ulong Min(ulong a, ulong b) => a <= b ? a : b;
        public static short Min(short a, short b) => a <= b ? a : b;
        public static ushort Min(ushort a, ushort b) => a <= b ? a : b;
        public static byte Min(byte a, byte b) => a <= b ? a : b;
        public static sbyte Min(sbyte a, sbyte b) => a <= b ? a : b;
        public static nint Min(nint a, nint b) => a <= b ? a : b;
        public static nuint Min(nuint a, nuint b) => a <= b ? a : b;

        public static int Max(int a, int b) => a >= b ? a : b;
        public static uint Max(uint a, uint b) => a >= b ? a : b;
        public static long Max(long a, long b) => a >= b ? a : b;
        public static ulong Max(ulong a, ulong b) => a >= b ? a : b;
        public static short Max(short a, short b) => a >= b ? a : b;
        public static ushort Max(ushort a, ushort b) => a >= b ? a : b;
        public static byte Max(byte a, byte b) => a >= b ? a : b;
        public static sbyte Max(sbyte a, sbyte b) => a >= b ? a : b;
        public static nint Max(nint a, nint b) => a >= b ? a : b;
        public static nuint Max(nuint a, nuint b) => a >= b ? a : b;

        public static int Abs(int value)
        {
            if (value == int.MinValue) throw new OverflowException("Negating the minimum value of a twos complement number is invalid.");
            return value < 0 ? -value : value;
        }

        public static long Abs(long value)
        {
            if (value == long.MinValue) throw new OverflowException("Negating the minimum value of a twos complement number is invalid.");
            return value < 0 ? -value : value;
        }

        public static short Abs(short value)
        {
            if (value == short.MinValue) throw new OverflowException("Negating the minimum value of a twos complement number is invalid.");
            return value < 0 ? (short)-value : value;
        }

        public static sbyte Abs(sbyte value)
        {
            if (value == sbyte.MinValue) throw new OverflowException("Negating the minimum value of a twos complement number is invalid.");
            return value < 0 ? (sbyte)-value : value;
        }

        public static int Clamp(int value, int min, int max)
        {
            if (min > max) ThrowMinMax(min.ToString(), max.ToString());
            return value < min ? min : value > max ? max : value;
        }

        public static uint Clamp(uint value, uint min, uint max)
        {
            if (min > max) ThrowMinMax(min.ToString(), max.ToString());
            return value < min ? min : value > max ? max : value;
        }

        public static long Clamp(long value, long min, long max)
        {
            if (min > max) ThrowMinMax(min.ToString(), max.ToString());
            return value < min ? min : value > max ? max : value;
        }

        public static ulong Clamp(ulong value, ulong min, ulong max)
        {
            if (min > max) ThrowMinMax(min.ToString(), max.ToString());
            return value < min ? min : value > max ? max : value;
        }

        public static int Sign(int value) => value < 0 ? -1 : value > 0 ? 1 : 0;

        public static int Sign(long value) => value < 0 ? -1 : value > 0 ? 1 : 0;

        public static int DivRem(int a, int b, out int result)
        {
            int q = a / b;
            result = a - q * b;
            return q;
        }

        private static void ThrowMinMax(string min, string max)
            => throw new ArgumentException("'" + min + "' cannot be greater than " + max + ".");
    }
}
