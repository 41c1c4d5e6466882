using System;

namespace Kernel.Net.Wire
{
    /// <summary>A 48-bit Ethernet address, kept in a ulong so it compares and hashes cheaply.</summary>
    public readonly struct MacAddress : IEquatable<MacAddress>
    {
        public const int Length = 6;
        private readonly ulong _value;

        public MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

        public static MacAddress Broadcast => new MacAddress(0xFFFF_FFFF_FFFFUL);

        public static MacAddress Zero => default;

        public ulong Value => _value;

        public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFFUL;

        /// <summary>Group bit: the low bit of the first octet.</summary>
        public bool IsMulticast => ((_value >> 40) & 1) != 0;

        public static MacAddress Read(ReadOnlySpan<byte> bytes)
        {
            ulong v = 0;
            for (int i = 0; i < Length; i++) v = (v << 8) | bytes[i];
            return new MacAddress(v);
        }

        public void Write(Span<byte> destination)
        {
            for (int i = 0; i < Length; i++) destination[i] = (byte)(_value >> (8 * (Length - 1 - i)));
        }

        public bool Equals(MacAddress other) => _value == other._value;

        public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);

        public override int GetHashCode() => (int)(_value ^ (_value >> 32));

        public static bool operator ==(MacAddress left, MacAddress right) => left._value == right._value;

        public static bool operator !=(MacAddress left, MacAddress right) => left._value != right._value;

        public override string ToString()
        {
            var text = new System.Text.StringBuilder(17);
            for (int i = 0; i < Length; i++)
            {
                if (i > 0) text.Append(':');
                byte b = (byte)(_value >> (8 * (Length - 1 - i)));
                text.Append(HexDigit(b >> 4));
                text.Append(HexDigit(b & 0xF));
            }
            return text.ToString();
        }

        private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }
}
