namespace Kernel.Runtime
{
    /// <summary>
    /// Unix time for guest code: the date from the <see cref="RealTimeClock"/>, carried forward by
    /// the TSC <see cref="Clock"/> between reads. A guest QEMU paused and resumed (a warm pool
    /// member) comes back with its TSC behind the world by the pause, so every read that is at
    /// least a millisecond after the previous check compares the RTC's time of day with what the
    /// carried date predicts (four register reads) and takes the date again when they differ by
    /// more than 2 s. A full read also comes every minute, which catches a pause of whole days
    /// that the time-of-day check cannot see.
    /// </summary>
    public static class WallClock
    {
        private const long Second = 1_000_000_000;
        private const int Day = 86_400;                  // seconds
        private const long CheckInterval = 1_000_000;   // 1 ms
        private const long FullReadInterval = 60 * Second;
        private const int Tolerance = 2;                 // seconds: the RTC's own resolution, twice

        private static long s_epoch = long.MinValue;      // Unix ns at Clock zero; MinValue: not read yet
        private static bool s_absent;
        private static long s_checkedAt, s_fullReadAt;

        /// <summary>Unix seconds now, or -1 when the machine has no real-time clock.</summary>
        public static long UnixSeconds
        {
            get
            {
                if (s_absent) return -1;
                long now = Clock.Nanoseconds;
                if (s_epoch == long.MinValue || now - s_fullReadAt >= FullReadInterval) Synchronize(now, keepWithinTolerance: s_epoch != long.MinValue);
                else if (now - s_checkedAt >= CheckInterval) Check(now);
                return s_absent ? -1 : (s_epoch + now) / Second;
            }
        }

        private static void Check(long now)
        {
            s_checkedAt = now;
            int actual = RealTimeClock.ReadSecondsPastMidnight();
            long predicted = (s_epoch + now) / Second % Day;
            int difference = actual < 0 ? int.MaxValue : (int)((actual - predicted + Day + Day / 2) % Day) - Day / 2;
            if (difference is < -Tolerance or > Tolerance) Synchronize(now, keepWithinTolerance: false);
        }

        // The RTC only says which second it is: the date is taken as the middle of that second. A
        // periodic read that lands within the tolerance keeps the old date, so Date never steps back.
        private static void Synchronize(long now, bool keepWithinTolerance)
        {
            s_checkedAt = s_fullReadAt = now;
            if (!RealTimeClock.TryReadUnixSeconds(out long unix))
            {
                if (s_epoch == long.MinValue) s_absent = true;
                return;
            }
            long epoch = unix * Second + Second / 2 - now;
            if (keepWithinTolerance && epoch - s_epoch > -Tolerance * Second && epoch - s_epoch < Tolerance * Second) return;
            s_epoch = epoch;
        }
    }
}
