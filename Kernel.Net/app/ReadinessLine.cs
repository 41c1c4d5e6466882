namespace Kernel.Net.App
{
    /// <summary>
    /// The lines the host-side summoner waits for: <c>summoner: ready tcp/80 in 12.3 ms</c> once
    /// the port listens, and <c>summoner: accepted tcp/80</c> once the stack accepted its first
    /// connection there, and again for each connection its peer closes without sending a byte
    /// (the host's probe, e.g. after resuming a suspended guest). It proves that the host's probe
    /// reached the guest's own stack: on QEMU user networking the host-side forwarder accepts a
    /// connection by itself.
    /// </summary>
    public static class ReadinessLine
    {
        public const string Prefix = "summoner: ready tcp/";
        public const string AcceptedPrefix = "summoner: accepted tcp/";

        public const string UdpPrefix = "summoner: ready udp/";

        /// <summary>Printed when the UDP tunnel listens, before any UDP port is bound: a host that sees a
        /// UDP port bound without it knows the image predates the tunnel and can say so.</summary>
        public const string TunnelPrefix = "summoner: tunnel tcp/";

        public static string FormatTunnel(ushort port) => TunnelPrefix + port.ToString();

        /// <summary>A UDP service is ready when its port is bound: there is no handshake to prove more.</summary>
        public static string FormatUdp(ushort port, long nanoseconds)
        {
            long tenths = nanoseconds / 100_000;
            return UdpPrefix + port.ToString() + " in " + (tenths / 10).ToString() + "." + (tenths % 10).ToString() + " ms";
        }

        public static string FormatAccepted(ushort port) => AcceptedPrefix + port.ToString();

        /// <summary>Formats with one decimal using integers only (the guest has no floating-point formatting).</summary>
        public static string Format(ushort port, long nanoseconds)
        {
            long tenths = nanoseconds / 100_000;
            return Prefix + port.ToString() + " in " + (tenths / 10).ToString() + "." + (tenths % 10).ToString() + " ms";
        }
    }
}
