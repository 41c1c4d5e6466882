using System;

namespace Kernel.Net.App
{
    /// <summary>
    /// The UDP tunnel's framing, in one place for both ends (the guest's <see cref="StackServiceHost"/>
    /// and Summoner's door compile this same file). In loopback mode QEMU's user network runs with
    /// restrict=on, under which libslirp 4.7 drops every datagram a guest sends, replies to a UDP
    /// forward included; so Summoner carries a UDP service's datagrams over a forwarded TCP port
    /// instead, one TCP connection per client flow. Each datagram, either way, is one frame: a
    /// 4-byte big-endian payload length, the guest's 2-byte big-endian UDP port (the destination
    /// going in, the source coming out), then the payload. A length above <see cref="MaxPayload"/>
    /// is a protocol error that closes the connection.
    /// One tunnel port serves every UDP port of a guest, the port travelling in each frame: one
    /// hidden forward and one listener whatever the number of UDP ports, and only one port number
    /// that must stay clear of the service's own TCP ports.
    /// </summary>
    public static class UdpTunnelFrame
    {
        /// <summary>The guest's TCP port Summoner forwards and connects to for a service with UDP
        /// ports in loopback mode (passed to the guest as <c>udp_tunnel=</c>); beside the egress
        /// broker's, high enough to collide with no service port one would write.</summary>
        public const ushort DefaultPort = 65001;

        public const int HeaderLength = 6;

        /// <summary>The largest payload a frame may carry: what the length of a UDP datagram allows.</summary>
        public const int MaxPayload = 65535;

        public static void WriteHeader(Span<byte> header, int payloadLength, ushort port)
        {
            header[0] = (byte)(payloadLength >> 24);
            header[1] = (byte)(payloadLength >> 16);
            header[2] = (byte)(payloadLength >> 8);
            header[3] = (byte)payloadLength;
            header[4] = (byte)(port >> 8);
            header[5] = (byte)port;
        }

        /// <summary>The payload length a header announces; a long, so that 4 GiB announced reads as too large, not negative.</summary>
        public static long ReadLength(ReadOnlySpan<byte> header) =>
            ((long)header[0] << 24) | ((long)header[1] << 16) | ((long)header[2] << 8) | header[3];

        public static ushort ReadPort(ReadOnlySpan<byte> header) => (ushort)((header[4] << 8) | header[5]);
    }
}
