using System;

namespace Kernel.Net.Wire
{
    /// <summary>An IPv4 address in host order (10.0.2.15 is 0x0A00020F).</summary>
    public readonly struct Ipv4Address : IEquatable<Ipv4Address>
    {
        public const int Length = 4;
        private readonly uint _value;

        public Ipv4Address(uint value) => _value = value;

        public Ipv4Address(byte a, byte b, byte c, byte d) => _value = ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

        public static Ipv4Address Any => default;

        public static Ipv4Address Broadcast => new Ipv4Address(0xFFFF_FFFFu);

        public uint Value => _value;

        public bool IsUnspecified => _value == 0;

        public bool IsBroadcast => _value == 0xFFFF_FFFFu;

        public bool IsMulticast => (_value >> 28) == 0xE;

        public static Ipv4Address Read(ReadOnlySpan<byte> bytes) =>
            new Ipv4Address(((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3]);

        public void Write(Span<byte> destination)
        {
            destination[0] = (byte)(_value >> 24);
            destination[1] = (byte)(_value >> 16);
            destination[2] = (byte)(_value >> 8);
            destination[3] = (byte)_value;
        }

        /// <summary>True when both addresses share the first <paramref name="prefixLength"/> bits.</summary>
        public bool SameSubnet(Ipv4Address other, int prefixLength)
        {
            if (prefixLength <= 0) return true;
            uint mask = prefixLength >= 32 ? 0xFFFF_FFFFu : ~(0xFFFF_FFFFu >> prefixLength);
            return (_value & mask) == (other._value & mask);
        }

        /// <summary>Parses dotted-quad text; false (not an exception) on anything else.</summary>
        public static bool TryParse(string? text, out Ipv4Address address)
        {
            address = default;
            if (string.IsNullOrEmpty(text)) return false;
            uint value = 0;
            int parts = 0, digits = 0, part = 0;
            for (int i = 0; i <= text.Length; i++)
            {
                if (i == text.Length || text[i] == '.')
                {
                    if (digits == 0 || part > 255) return false;
                    value = (value << 8) | (uint)part;
                    parts++;
                    digits = 0;
                    part = 0;
                    continue;
                }
                char c = text[i];
                if (c < '0' || c > '9' || digits == 3) return false;
                part = part * 10 + (c - '0');
                digits++;
            }
            if (parts != 4) return false;
            address = new Ipv4Address(value);
            return true;
        }

        public bool Equals(Ipv4Address other) => _value == other._value;

        public override bool Equals(object? obj) => obj is Ipv4Address other && Equals(other);

        public override int GetHashCode() => (int)_value;

        public static bool operator ==(Ipv4Address left, Ipv4Address right) => left._value == right._value;

        public static bool operator !=(Ipv4Address left, Ipv4Address right) => left._value != right._value;

        public override string ToString() =>
            ((_value >> 24) & 0xFF).ToString() + "." + ((_value >> 16) & 0xFF).ToString() + "."
            + ((_value >> 8) & 0xFF).ToString() + "." + (_value & 0xFF).ToString();
    }
}
