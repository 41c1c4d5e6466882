namespace Kernel.Net.Phy
{
    /// <summary>xorshift64* so fault patterns replay exactly from a seed, on the host and in the guest alike.</summary>
    public sealed class SeededRandom
    {
        private ulong _state;

        public SeededRandom(ulong seed) => _state = seed == 0 ? 0x9E37_79B9_7F4A_7C15UL : seed;

        public ulong NextUInt64()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return _state * 0x2545_F491_4F6C_DD1DUL;
        }

        /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
        public int Next(int bound) => bound <= 0 ? 0 : (int)((NextUInt64() >> 33) % (ulong)bound);

        /// <summary>True with probability <paramref name="perMillion"/> / 1,000,000.</summary>
        public bool Chance(int perMillion) => perMillion > 0 && Next(1_000_000) < perMillion;
    }
}
