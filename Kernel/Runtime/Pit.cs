namespace Kernel.Runtime
{
    // The 8254 PIT: the one clock on microvm whose frequency is architectural (1.193182 MHz), so
    // the TSC and the LAPIC timer are calibrated against it. Channel 0 free-runs as a 16-bit
    // down-counter that we latch and read; its interrupt stays masked at the IOAPIC.
    internal static class Pit
    {
        internal const long Hz = 1_193_182;
        private const ushort Channel0 = 0x40, Command = 0x43;

        internal static void StartFreeRunning()
        {
            Native.OutB(Command, 0x34); // channel 0, lo/hi byte, mode 2 (rate generator), binary
            Native.OutB(Channel0, 0);   // reload 0 = 65536
            Native.OutB(Channel0, 0);
        }

        // After calibration: one-shot mode with a tiny count, so channel 0 fires once and then
        // stops, instead of waking QEMU 18 times a second for nothing.
        internal static void Stop()
        {
            Native.OutB(Command, 0x30); // channel 0, lo/hi byte, mode 0 (interrupt on terminal count)
            Native.OutB(Channel0, 1);
            Native.OutB(Channel0, 0);
        }

        internal static ushort Read()
        {
            Native.OutB(Command, 0x00); // latch channel 0
            byte lo = Native.InB(Channel0);
            byte hi = Native.InB(Channel0);
            return (ushort)(lo | (hi << 8));
        }

        // Busy-waits `ticks` PIT ticks (< 55 ms worth between polls is plenty: we poll constantly).
        internal static void Wait(long ticks)
        {
            ushort previous = Read();
            long elapsed = 0;
            while (elapsed < ticks)
            {
                ushort now = Read();
                elapsed += (ushort)(previous - now);
                previous = now;
            }
        }
    }
}
