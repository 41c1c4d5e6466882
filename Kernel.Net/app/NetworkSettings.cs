using System;
using Kernel.Net.Iface;
using Kernel.Net.Wire;

namespace Kernel.Net.App
{
    /// <summary>
    /// Network settings from the kernel command line (see Kernel.Net/README.md):
    /// <c>ip=10.0.2.15/24 gw=10.0.2.2</c>, plus the <c>virtio_mmio.device=SIZE@BASE:IRQ</c> entries
    /// QEMU appends on -M microvm. Portable so the host tests can check the parsing.
    /// </summary>
    public static class NetworkSettings
    {
        public const string DefaultAddress = "10.0.2.15/24"; // QEMU user networking's guest address
        public const string DefaultGateway = "10.0.2.2";

        /// <summary>Fills an <see cref="InterfaceConfig"/>; an unusable value throws with the expected form.</summary>
        public static InterfaceConfig Parse(string? ip, string? gateway)
        {
            string text = ip ?? DefaultAddress;
            int slash = text.IndexOf('/');
            string address = slash < 0 ? text : text.Substring(0, slash);
            int prefix = 24;
            if (slash >= 0 && (!int.TryParse(text.Substring(slash + 1), out prefix) || prefix < 1 || prefix > 32))
                throw new ArgumentException("ip=" + text + ": the prefix length must be 1-32, as in ip=10.0.2.15/24");
            if (!Ipv4Address.TryParse(address, out Ipv4Address a))
                throw new ArgumentException("ip=" + text + " is not an IPv4 address: use for example ip=10.0.2.15/24");
            var config = new InterfaceConfig { Address = a, PrefixLength = prefix };
            string gw = gateway ?? DefaultGateway;
            if (gw.Length > 0 && gw != "none")
            {
                if (!Ipv4Address.TryParse(gw, out Ipv4Address g))
                    throw new ArgumentException("gw=" + gw + " is not an IPv4 address: use for example gw=10.0.2.2, or gw=none");
                config.Gateway = g;
            }
            return config;
        }

        /// <summary>Parses <c>faults=drop:5,dup:1,reorder:10,corrupt:0</c> (percent of frames), the guest-side
        /// stand-in for netem where the host kernel has none; null when the setting is absent.</summary>
        public static Kernel.Net.Phy.FaultRates? ParseFaults(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            var rates = new Kernel.Net.Phy.FaultRates();
            int at = 0;
            while (at < text.Length)
            {
                int comma = text.IndexOf(',', at);
                if (comma < 0) comma = text.Length;
                string item = text.Substring(at, comma - at);
                at = comma + 1;
                int colon = item.IndexOf(':');
                int percent = 0;
                if (colon <= 0 || !int.TryParse(item.Substring(colon + 1), out percent) || percent < 0 || percent > 100)
                    throw new ArgumentException("faults=" + text + ": write kind:percent pairs, as in faults=drop:5,reorder:10 (kinds: drop, dup, reorder, corrupt)");
                string kind = item.Substring(0, colon);
                int perMillion = percent * 10_000;
                if (kind == "drop") rates.DropPerMillion = perMillion;
                else if (kind == "dup") rates.DuplicatePerMillion = perMillion;
                else if (kind == "reorder") rates.ReorderPerMillion = perMillion;
                else if (kind == "corrupt") rates.CorruptPerMillion = perMillion;
                else throw new ArgumentException("faults=" + text + ": unknown kind '" + kind + "' (kinds: drop, dup, reorder, corrupt)");
            }
            return rates;
        }

        /// <summary>Parses one <c>SIZE@BASE:IRQ</c> value (sizes may end in K; BASE is hex with 0x).</summary>
        public static bool TryParseVirtioMmio(string value, out long baseAddress, out int irq)
        {
            baseAddress = 0;
            irq = 0;
            int at = value.IndexOf('@');
            int colon = value.LastIndexOf(':');
            if (at < 0 || colon < at) return false;
            string b = value.Substring(at + 1, colon - at - 1);
            if (!b.StartsWith("0x") && !b.StartsWith("0X")) return false;
            long v = 0;
            for (int i = 2; i < b.Length; i++)
            {
                char c = b[i];
                int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0 || i > 17) return false;
                v = (v << 4) | (uint)d;
            }
            if (!int.TryParse(value.Substring(colon + 1), out irq)) return false;
            baseAddress = v;
            return true;
        }
    }
}
