using System;

namespace Kernel.Net.Wire
{
    /// <summary>RFC 1071 ones'-complement sum, shared by IPv4, ICMP, UDP and TCP.</summary>
    public static class InternetChecksum
    {
        /// <summary>Adds 16-bit big-endian words of <paramref name="data"/> to a running 32-bit sum.
        /// An odd final byte is padded with zero, so only the last chunk of a message may be odd.</summary>
        public static unsafe uint Accumulate(uint sum, ReadOnlySpan<byte> data)
        {
            // Eight bytes per step, as two little-endian 32-bit halves: a ones'-complement sum does not
            // depend on byte order (RFC 1071 §2(B)), so the folded sum is swapped once at the end. Every
            // segment sent and received passes through here, and under TCG each guest instruction is
            // emulated: this is about a fifth of the instructions of the word-by-word loop.
            ulong acc = 0;
            int length = data.Length, i = 0;
            fixed (byte* p = data)
            {
                for (; i + 8 <= length; i += 8)
                {
                    ulong x = *(ulong*)(p + i); // x86-64 (the guest) and the hosts are little-endian
                    acc += (x & 0xFFFF_FFFF) + (x >> 32);
                }
                for (; i + 1 < length; i += 2) acc += (uint)(p[i] | (p[i + 1] << 8));
                if (i < length) acc += p[i];
            }
            while ((acc >> 16) != 0) acc = (acc & 0xFFFF) + (acc >> 16);
            ulong total = (ulong)sum + (((acc & 0xFF) << 8) | (acc >> 8));
            while ((total >> 32) != 0) total = (total & 0xFFFF_FFFF) + (total >> 32);
            return (uint)total;
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
