using Kernel.Net.Wire;

namespace Kernel.Net.Sockets
{
    /// <summary>
    /// SYN cookies (RFC 4987 3.6): when the half-open table is full, the SYN-ACK's sequence number
    /// carries everything the connection needs, so a flood of spoofed SYNs costs no memory.
    /// Layout: 5 bits of a coarse clock (one tick per 2^36 ns, about 69 s), 3 bits indexing the MSS
    /// table, 24 bits of SipHash over the addresses, ports, the peer's ISN and the full clock. A
    /// cookie is accepted during its tick and the next, so it lives 69-137 s.
    /// Options other than MSS are lost, which costs nothing here: the stack has no window scaling,
    /// SACK or timestamps.
    /// </summary>
    internal sealed class SynCookie
    {
        private const int TickShift = 36;
        private readonly ulong _k0, _k1;

        public SynCookie(ulong k0, ulong k1)
        {
            _k0 = k0;
            _k1 = k1;
        }

        /// <summary>Nanoseconds one clock tick lasts; a cookie is valid for one to two of them.</summary>
        public const long TickNanoseconds = 1L << TickShift;

        public uint Encode(long now, Ipv4Address local, ushort localPort, Ipv4Address remote, ushort remotePort, uint peerIsn, int mss)
        {
            uint tick = (uint)(now >> TickShift);
            uint mssIndex = (uint)MssIndex(mss);
            return (tick & 31) << 27 | mssIndex << 24 | Mac(tick, local, localPort, remote, remotePort, peerIsn);
        }

        /// <summary>The MSS the cookie encodes, or 0 when it is forged, for another connection, or too old.</summary>
        public int Decode(long now, Ipv4Address local, ushort localPort, Ipv4Address remote, ushort remotePort, uint peerIsn, uint cookie)
        {
            uint tick = (uint)(now >> TickShift);
            for (uint age = 0; age < 2; age++)
            {
                uint t = tick - age;
                if ((cookie >> 27) != (t & 31)) continue;
                if ((cookie & 0xFF_FFFF) != Mac(t, local, localPort, remote, remotePort, peerIsn)) return 0;
                return MssOf((int)(cookie >> 24) & 7);
            }
            return 0;
        }

        /// <summary>The largest MSS the cookie can carry that does not exceed <paramref name="mss"/>.</summary>
        public static int Encodable(int mss) => MssOf(MssIndex(mss));

        private uint Mac(uint tick, Ipv4Address local, ushort localPort, Ipv4Address remote, ushort remotePort, uint peerIsn)
        {
            ulong addresses = (ulong)local.Value << 32 | remote.Value;
            ulong ports = (ulong)localPort << 48 | (ulong)remotePort << 32 | peerIsn;
            return (uint)SipHash.Hash24(_k0, _k1, addresses, ports, tick) & 0xFF_FFFF;
        }

        // Common MSS values (Ethernet 1460, PPPoE 1452, tunnels and IPv6-in-IPv4 below), largest last.
        private static int MssOf(int index) => index switch
        {
            0 => 536,
            1 => 1200,
            2 => 1300,
            3 => 1380,
            4 => 1400,
            5 => 1440,
            6 => 1452,
            _ => 1460,
        };

        private static int MssIndex(int mss)
        {
            int i = 7;
            while (i > 0 && MssOf(i) > mss) i--;
            return i;
        }
    }
}
