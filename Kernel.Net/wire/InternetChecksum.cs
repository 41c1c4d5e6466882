using System;

namespace Kernel.Net.Wire
{
    /// <summary>RFC 1071 ones'-complement sum, shared by IPv4, ICMP, UDP and TCP.</summary>
    public static class InternetChecksum
    {
        /// <summary>Adds 16-bit big-endian words of <paramref name="data"/> to a running 32-bit sum.
        /// An odd final byte is padded with zero, so only the last chunk of a message may be odd.</summary>
        public static uint Accumulate(uint sum, ReadOnlySpan<byte> data)
        {
            ulong acc = sum;
            int i = 0;
            for (; i + 1 < data.Length; i += 2) acc += (uint)((data[i] << 8) | data[i + 1]);
            if (i < data.Length) acc += (uint)(data[i] << 8);
            while ((acc >> 32) != 0) acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
            return (uint)acc;
        }

        /// <summary>Folds the running sum to 16 bits and complements it: the value to put on the wire.</summary>
        public static ushort Finish(uint sum)
        {
            while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
            return (ushort)~sum;
        }

        public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Accumulate(0, data));

        /// <summary>The IPv4 pseudo-header that UDP and TCP checksums cover (RFC 768, RFC 9293 3.1).</summary>
        public static uint PseudoHeader(Ipv4Address source, Ipv4Address destination, byte protocol, int length)
        {
            ulong sum = (source.Value >> 16) + (source.Value & 0xFFFF)
                      + (destination.Value >> 16) + (destination.Value & 0xFFFF)
                      + protocol + (uint)length;
            while ((sum >> 32) != 0) sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
            return (uint)sum;
        }
    }
}
