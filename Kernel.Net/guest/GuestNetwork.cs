#if GUEST
using Kernel.Net.App;
using Kernel.Net.Iface;
using Kernel.Net.Phy;
using Kernel.Net.Virtio;
using Kernel.Runtime;

namespace Kernel.Net.Guest
{
    /// <summary>Brings the network up in a guest: finds the virtio-net device from the command
    /// line, configures the interface from ip=/gw=, and returns the service host apps run on.</summary>
    public static class GuestNetwork
    {
        /// <summary>Null (after saying why on the console) when the guest has no virtio-net device.</summary>
        public static StackServiceHost? Start()
        {
            VirtioMmioNet? nic = FindNic(CommandLine.Raw);
            if (nic is null)
            {
                SerialConsole.WriteLine("kernel.net: no virtio-net device (QEMU: -device virtio-net-device,netdev=... on -M microvm)");
                return null;
            }
            InterfaceConfig config = NetworkSettings.Parse(CommandLine.Get("ip"), CommandLine.Get("gw"));
            INetworkDevice device = nic;
            FaultRates? faults = NetworkSettings.ParseFaults(CommandLine.Get("faults"));
            if (faults is not null)
            {
                // Received frames only, like netem on the host side of the tap (the stand-in's purpose).
                device = new FaultInjector(nic, faults, (ulong)Clock.Nanoseconds) { DamageReceive = true, DamageTransmit = false };
                SerialConsole.WriteLine("kernel.net: injecting faults into received frames: " + CommandLine.Get("faults"));
            }
            var iface = new EthernetInterface(device, config, null, IsnSecret());
            SerialConsole.WriteLine("kernel.net: " + nic.HardwareAddress.ToString() + " " + config.Address.ToString() + "/" + config.PrefixLength.ToString());
            return new StackServiceHost(iface, new GuestMachine(nic));
        }

        // The TCP sequence-number secret (RFC 6528). Summoner passes every guest a fresh random
        // seed= so warm-pool members and repeated boots never share one; the boot clock is mixed in
        // for guests started by hand.
        private static ulong IsnSecret()
        {
            ulong secret = (ulong)Clock.Nanoseconds * 0x9E3779B97F4A7C15UL;
            string? seed = CommandLine.Get("seed");
            if (seed is null) return secret;
            for (int i = 0; i < seed.Length; i++) secret = (secret ^ seed[i]) * 0x100000001B3UL;
            return secret;
        }

        private static VirtioMmioNet? FindNic(string commandLine)
        {
            const string Key = "virtio_mmio.device=";
            int at = 0;
            while ((at = commandLine.IndexOf(Key, at)) >= 0)
            {
                int start = at + Key.Length;
                int end = commandLine.IndexOf(' ', start);
                if (end < 0) end = commandLine.Length;
                at = end;
                if (!NetworkSettings.TryParseVirtioMmio(commandLine.Substring(start, end - start), out long address, out int irq)) continue;
                VirtioMmioNet? nic = VirtioMmioNet.Probe((nint)address, irq);
                if (nic is not null) return nic;
            }
            // QEMU only appends those entries when the microvm has ACPI off. With ACPI on (its
            // default) the transports sit at fixed places: 512 bytes apart from 0xfeb00000, wired
            // to the second IOAPIC's inputs 24-47 (QEMU hw/i386/microvm.c).
            for (int i = 0; i < MicrovmTransports; i++)
            {
                VirtioMmioNet? nic = VirtioMmioNet.Probe((nint)(MicrovmMmioBase + i * 512), MicrovmAcpiIrqBase + i);
                if (nic is not null) return nic;
            }
            return null;
        }

        private const long MicrovmMmioBase = 0xfeb00000;
        private const int MicrovmTransports = 24;
        private const int MicrovmAcpiIrqBase = 24;
    }
}
#endif
