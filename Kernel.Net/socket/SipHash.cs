namespace Kernel.Net.Sockets
{
    /// <summary>
    /// SipHash-2-4 (Aumasson and Bernstein, 2012), the keyed function SYN cookies need: an observer
    /// who collects cookies for their own address must not be able to compute one for another
    /// address. Only for messages of three 64-bit little-endian words, the one size used here.
    /// </summary>
    public static class SipHash
    {
        public static ulong Hash24(ulong k0, ulong k1, ulong m0, ulong m1, ulong m2)
        {
            ulong v0 = k0 ^ 0x736f6d6570736575UL;
            ulong v1 = k1 ^ 0x646f72616e646f6dUL;
            ulong v2 = k0 ^ 0x6c7967656e657261UL;
            ulong v3 = k1 ^ 0x7465646279746573UL;
            Compress(ref v0, ref v1, ref v2, ref v3, m0);
            Compress(ref v0, ref v1, ref v2, ref v3, m1);
            Compress(ref v0, ref v1, ref v2, ref v3, m2);
            Compress(ref v0, ref v1, ref v2, ref v3, 24UL << 56); // final block: only the length byte
            v2 ^= 0xff;
            for (int i = 0; i < 4; i++) Round(ref v0, ref v1, ref v2, ref v3);
            return v0 ^ v1 ^ v2 ^ v3;
        }

        private static void Compress(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
        {
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
        {
            v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
            v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
        }

        private static ulong Rotl(ulong x, int b) => (x << b) | (x >> (64 - b));
    }
}
