namespace Kernel.Net.Sockets
{
    /// <summary>Comparisons in modulo-2^32 sequence space (RFC 9293 3.4).</summary>
    internal static class SequenceNumber
    {
        public static bool Lt(uint a, uint b) => (int)(a - b) < 0;

        public static bool Le(uint a, uint b) => (int)(a - b) <= 0;

        public static bool Gt(uint a, uint b) => (int)(a - b) > 0;

        public static bool Ge(uint a, uint b) => (int)(a - b) >= 0;

        /// <summary>start &lt;= x &lt; start + size.</summary>
        public static bool InWindow(uint x, uint start, uint size) => x - start < size;
    }
}
