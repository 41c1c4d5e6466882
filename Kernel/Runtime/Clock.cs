namespace Kernel.Runtime
{
    /// <summary>
    /// Monotonic time from the TSC, calibrated against the PIT at boot, counted from the first
    /// instruction of the kernel (the TSC read in _start32): so it is also "time since entry".
    /// Under TCG the TSC follows the host's clock, so this is wall-clock elapsed time.
    /// </summary>
    public static class Clock
    {
        // 5 ms: long enough that a few microseconds of jitter in reading the PIT under TCG stays
        // near 0.1%, short enough not to dominate boot.
        private const long CalibrationPitTicks = Pit.Hz / 200;
        private static ulong s_entryTsc;
        private static long s_tscHz = 1_000_000_000; // replaced at boot before any program runs

        public static long Nanoseconds => (long)TicksToNanoseconds(Native.Rdtsc() - s_entryTsc);

        public static long Milliseconds => Nanoseconds / 1_000_000;

        /// <summary>Calibrated TSC frequency.</summary>
        public static long TscHz => s_tscHz;

        internal static void Calibrate()
        {
            s_entryTsc = Native.EntryTsc();
            Pit.StartFreeRunning();
            Pit.Wait(1); // align to a tick edge
            ulong start = Native.Rdtsc();
            Lapic.StartCalibration();
            Pit.Wait(CalibrationPitTicks);
            ulong end = Native.Rdtsc();
            long elapsedNs = CalibrationPitTicks * 1_000_000_000 / Pit.Hz;
            s_tscHz = (long)(end - start) * 1_000_000_000 / elapsedNs;
            if (s_tscHz <= 0) Panic.Fail("TSC calibration failed: the TSC did not advance");
            Lapic.FinishCalibration(elapsedNs);
            Pit.Stop();
        }

        // Exact for any run time: whole seconds and the remainder are scaled separately so
        // ticks * 1e9 never overflows.
        private static ulong TicksToNanoseconds(ulong ticks)
        {
            ulong hz = (ulong)s_tscHz;
            return ticks / hz * 1_000_000_000 + ticks % hz * 1_000_000_000 / hz;
        }
    }
}
