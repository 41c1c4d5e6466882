namespace System
{
    internal static class Number
    {
        internal static string Format(long value)
        {
            if (value >= 0) return Format((ulong)value);
            string digits = Format((ulong)(-(value + 1)) + 1);
            return string.Concat("-", digits);
        }

        internal static unsafe string Format(ulong value)
        {
            char* buf = stackalloc char[20];
            int pos = 20;
            do { buf[--pos] = (char)('0' + (int)(value % 10)); value /= 10; } while (value != 0);
            string s = string.FastAllocate(20 - pos);
            for (int i = 0; i < s.Length; i++) System.Runtime.CompilerServices.Unsafe.Add(ref s.FirstChar, i) = buf[pos + i];
            return s;
        }

        internal static unsafe string FormatHex(ulong value, int minDigits)
        {
            char* buf = stackalloc char[16];
            int pos = 16;
            do { int d = (int)(value & 0xf); buf[--pos] = (char)(d < 10 ? '0' + d : 'a' + d - 10); value >>= 4; } while (value != 0 || 16 - pos < minDigits);
            string s = string.FastAllocate(16 - pos);
            for (int i = 0; i < s.Length; i++) System.Runtime.CompilerServices.Unsafe.Add(ref s.FirstChar, i) = buf[pos + i];
            return s;
        }
    }
}
