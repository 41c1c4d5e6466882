namespace Kernel.Runtime
{
    // The local APIC (xAPIC, MMIO at the architectural default: microvm has no ACPI tables to say
    // otherwise). Its timer runs one-shot, armed for the next timer deadline only, so an idle
    // guest takes no interrupts at all while nothing is due.
    internal static class Lapic
    {
        internal const int TimerVector = 0x20;
        internal const int SpuriousVector = 0xff;
        private const long Base = 0xFEE0_0000;
        private const int Tpr = 0x80, Eoi = 0xb0, Svr = 0xf0, LvtTimer = 0x320, LvtLint0 = 0x350, LvtLint1 = 0x360,
            InitialCount = 0x380, CurrentCount = 0x390, DivideConfig = 0x3e0;
        private const uint Masked = 1 << 16;

        private static long s_hz;

        internal static long TimerHz => s_hz;

        internal static void Initialize()
        {
            // The 8259 PICs would deliver the PIT on vector 8 (#DF): mask them, the IOAPIC routes.
            Native.OutB(0x21, 0xff);
            Native.OutB(0xa1, 0xff);
            Write(Svr, 0x100 | SpuriousVector);
            Write(Tpr, 0);
            Write(DivideConfig, 0x3); // divide by 16
            Write(LvtTimer, Masked | TimerVector);
        }

        internal static void StartCalibration() => Write(InitialCount, 0xffff_ffff);

        internal static void FinishCalibration(long elapsedNs)
        {
            uint counted = 0xffff_ffff - Read(CurrentCount);
            Write(InitialCount, 0);
            s_hz = (long)counted * 1_000_000_000 / elapsedNs;
            if (s_hz <= 0) Panic.Fail("LAPIC timer calibration failed: the timer did not count");
            Write(LvtTimer, TimerVector); // one-shot, unmasked; armed by ArmTimer
        }

        // One interrupt after `delayNs` (clamped to what the 32-bit counter can express).
        internal static void ArmTimer(long delayNs)
        {
            long ticks = delayNs <= 0 ? 1 : delayNs / 1000 * s_hz / 1_000_000 + 1;
            if (ticks > 0xffff_ffffL) ticks = 0xffff_ffffL;
            Write(InitialCount, (uint)ticks);
        }

        internal static void DisarmTimer() => Write(InitialCount, 0);

        internal static void EndOfInterrupt() => Write(Eoi, 0);

        private static uint Read(int register) => Mmio.Read32((nint)(Base + register));

        private static void Write(int register, uint value) => Mmio.Write32((nint)(Base + register), value);
    }
}
