using Kernel.Net.Wire;

namespace Kernel.Net.Iface
{
    /// <summary>Static IPv4 configuration of an interface (no DHCP: the orchestrator assigns addresses).</summary>
    public sealed class InterfaceConfig
    {
        public Ipv4Address Address { get; set; }

        public int PrefixLength { get; set; } = 24;

        /// <summary>Next hop for destinations outside the prefix; unspecified means none (those are dropped).</summary>
        public Ipv4Address Gateway { get; set; }

        /// <summary>How long a learned neighbour stays valid, in nanoseconds.</summary>
        public long NeighborLifetime { get; set; } = 60_000_000_000;
    }
}
