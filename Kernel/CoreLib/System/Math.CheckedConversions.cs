namespace System
{
    // Helpers ILCompiler calls for checked conversions from double (conv.ovf.*); it asks for them
    // as soon as a program contains any checked narrowing conversion. NaN fails every comparison,
    // so it overflows too, as on .NET.
    public static partial class Math
    {
        internal static int ConvertToInt32Checked(double value)
        {
            if (value > -2147483649.0 && value < 2147483648.0) return (int)value;
            throw new OverflowException();
        }

        internal static uint ConvertToUInt32Checked(double value)
        {
            if (value > -1.0 && value < 4294967296.0) return (uint)value;
            throw new OverflowException();
        }

        internal static long ConvertToInt64Checked(double value)
        {
            if (value >= -9223372036854775808.0 && value < 9223372036854775808.0) return (long)value;
            throw new OverflowException();
        }

        internal static ulong ConvertToUInt64Checked(double value)
        {
            if (value > -1.0 && value < 18446744073709551616.0) return (ulong)value;
            throw new OverflowException();
        }
    }
}
