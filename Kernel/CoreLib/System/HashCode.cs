namespace System
{
    // xxHash32-based combining, as .NET's HashCode, but with a fixed seed: the guest has no
    // randomness at start-up. Results are only stable within one run on either side, so never
    // persist or compare them across runs.
    public struct HashCode
    {
        private const uint Seed = 0x9e3779b9;
        private const uint Prime1 = 2654435761U, Prime2 = 2246822519U, Prime3 = 3266489917U, Prime4 = 668265263U, Prime5 = 374761393U;

        private uint _v1, _v2, _v3, _v4;
        private uint _queue1, _queue2, _queue3;
        private uint _length;

        public static int Combine<T1>(T1 value1)
        {
            var h = new HashCode();
            h.Add(value1);
            return h.ToHashCode();
        }

        public static int Combine<T1, T2>(T1 value1, T2 value2)
        {
            var h = new HashCode();
            h.Add(value1);
            h.Add(value2);
            return h.ToHashCode();
        }

        public static int Combine<T1, T2, T3>(T1 value1, T2 value2, T3 value3)
        {
            var h = new HashCode();
            h.Add(value1);
            h.Add(value2);
            h.Add(value3);
            return h.ToHashCode();
        }

        public static int Combine<T1, T2, T3, T4>(T1 value1, T2 value2, T3 value3, T4 value4)
        {
            var h = new HashCode();
            h.Add(value1);
            h.Add(value2);
            h.Add(value3);
            h.Add(value4);
            return h.ToHashCode();
        }

        public static int Combine<T1, T2, T3, T4, T5>(T1 value1, T2 value2, T3 value3, T4 value4, T5 value5)
        {
            var h = new HashCode();
            h.Add(value1);
            h.Add(value2);
            h.Add(value3);
            h.Add(value4);
            h.Add(value5);
            return h.ToHashCode();
        }

        public void Add<T>(T value) => Add(value is null ? 0 : value.GetHashCode());

        public void Add<T>(T value, Collections.Generic.IEqualityComparer<T>? comparer)
            => Add(value is null ? 0 : comparer?.GetHashCode(value) ?? value.GetHashCode());

        private void Add(int value)
        {
            uint val = (uint)value;
            uint previousLength = _length++;
            uint position = previousLength % 4;
            if (position == 0) _queue1 = val;
            else if (position == 1) _queue2 = val;
            else if (position == 2) _queue3 = val;
            else
            {
                if (previousLength == 3)
                {
                    _v1 = unchecked(Seed + Prime1 + Prime2);
                    _v2 = unchecked(Seed + Prime2);
                    _v3 = Seed;
                    _v4 = unchecked(Seed - Prime1);
                }
                _v1 = Round(_v1, _queue1);
                _v2 = Round(_v2, _queue2);
                _v3 = Round(_v3, _queue3);
                _v4 = Round(_v4, val);
            }
        }

        public readonly int ToHashCode()
        {
            uint length = _length;
            uint position = length % 4;
            uint hash = length < 4 ? Seed + Prime5 : Rotl(_v1, 1) + Rotl(_v2, 7) + Rotl(_v3, 12) + Rotl(_v4, 18);
            hash += length * 4;
            if (position > 0) hash = QueueRound(hash, _queue1);
            if (position > 1) hash = QueueRound(hash, _queue2);
            if (position > 2) hash = QueueRound(hash, _queue3);
            hash ^= hash >> 15;
            hash *= Prime2;
            hash ^= hash >> 13;
            hash *= Prime3;
            hash ^= hash >> 16;
            return (int)hash;
        }

        private static uint Rotl(uint value, int offset) => (value << offset) | (value >> (32 - offset));

        private static uint Round(uint hash, uint input) => Rotl(hash + input * Prime2, 13) * Prime1;

        private static uint QueueRound(uint hash, uint queuedValue) => Rotl(hash + queuedValue * Prime3, 17) * Prime4;

#pragma warning disable CS0809 // as on .NET: a HashCode is a builder, not a value
        [Obsolete("HashCode is a mutable struct and should not be compared with other HashCodes. Use ToHashCode to retrieve the computed hash code.", true)]
        public override int GetHashCode() => throw new NotSupportedException("HashCode is a mutable struct and should not be compared with other HashCodes.");

        [Obsolete("HashCode is a mutable struct and should not be compared with other HashCodes.", true)]
        public override bool Equals(object? obj) => throw new NotSupportedException("HashCode is a mutable struct and should not be compared with other HashCodes.");
#pragma warning restore CS0809
    }
}

namespace System.Numerics
{
    public static class BitOperations
    {
        public static uint RotateLeft(uint value, int offset) => (value << offset) | (value >> (32 - offset));
        public static ulong RotateLeft(ulong value, int offset) => (value << offset) | (value >> (64 - offset));
        public static uint RotateRight(uint value, int offset) => (value >> offset) | (value << (32 - offset));
        public static ulong RotateRight(ulong value, int offset) => (value >> offset) | (value << (64 - offset));

        public static int PopCount(uint value)
        {
            value -= (value >> 1) & 0x55555555;
            value = (value & 0x33333333) + ((value >> 2) & 0x33333333);
            return (int)((((value + (value >> 4)) & 0x0f0f0f0f) * 0x01010101) >> 24);
        }

        public static int PopCount(ulong value) => PopCount((uint)value) + PopCount((uint)(value >> 32));

        public static int LeadingZeroCount(uint value)
        {
            if (value == 0) return 32;
            int n = 0;
            while ((value & 0x80000000) == 0) { value <<= 1; n++; }
            return n;
        }

        public static int LeadingZeroCount(ulong value)
            => (value >> 32) == 0 ? 32 + LeadingZeroCount((uint)value) : LeadingZeroCount((uint)(value >> 32));

        public static int TrailingZeroCount(uint value)
        {
            if (value == 0) return 32;
            int n = 0;
            while ((value & 1) == 0) { value >>= 1; n++; }
            return n;
        }

        public static int TrailingZeroCount(ulong value)
            => (uint)value == 0 ? 32 + TrailingZeroCount((uint)(value >> 32)) : TrailingZeroCount((uint)value);

        public static int Log2(uint value) => 31 - LeadingZeroCount(value | 1);

        public static int Log2(ulong value) => 63 - LeadingZeroCount(value | 1);

        public static bool IsPow2(uint value) => value != 0 && (value & (value - 1)) == 0;

        public static bool IsPow2(ulong value) => value != 0 && (value & (value - 1)) == 0;

        public static uint RoundUpToPowerOf2(uint value) => value <= 1 ? 1 : 1u << (32 - LeadingZeroCount(value - 1));
    }
}
