namespace Kernel.Runtime
{
    // The I/O APIC(s) at their architectural addresses. microvm has one at 0xfec00000 (GSIs
    // 0-23) and, with ioapic2, a second at 0xfec10000 (GSIs 24-47). GSI g is delivered on
    // vector IrqBase + g to the boot CPU.
    internal static class IoApic
    {
        internal const int IrqBase = 0x30;
        internal const int MaxGsi = 48;
        private const long First = 0xFEC0_0000;
        private const long Second = 0xFEC1_0000;
        private const uint Masked = 1 << 16;

        internal static bool Exists(int gsi) => gsi >= 0 && gsi < MaxGsi && gsi % 24 < Pins(Chip(gsi));

        internal static void MaskAll()
        {
            for (int g = 0; g < MaxGsi; g++)
                if (Exists(g)) Route(g, Masked);
        }

        // Edge-triggered, active high: how QEMU's ISA devices and virtio-mmio raise their lines.
        internal static void Unmask(int gsi) => Route(gsi, 0);

        private static void Route(int gsi, uint flags)
        {
            nint chip = Chip(gsi);
            int pin = gsi % 24;
            Write(chip, 0x11 + 2 * pin, 0); // destination APIC id 0
            Write(chip, 0x10 + 2 * pin, flags | (uint)(IrqBase + gsi));
        }

        private static nint Chip(int gsi) => (nint)(gsi < 24 ? First : Second);

        private static int Pins(nint chip)
        {
            uint version = Read(chip, 1);
            if (version == 0xffff_ffff || version == 0) return 0;
            int pins = (int)((version >> 16) & 0xff) + 1;
            return pins > 24 ? 24 : pins;
        }

        private static uint Read(nint chip, int register)
        {
            Mmio.Write32(chip, (uint)register);
            return Mmio.Read32(chip + 0x10);
        }

        private static void Write(nint chip, int register, uint value)
        {
            Mmio.Write32(chip, (uint)register);
            Mmio.Write32(chip + 0x10, value);
        }
    }
}
