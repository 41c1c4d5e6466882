using Kernel.Runtime;

namespace KernelTest
{
    // suite=rtc: the date from the CMOS clock. With rtc.expect=absent (QEMU -M microvm,rtc=off) the
    // reads must say there is no clock; otherwise the host compares the figures with its own clock.
    internal static class RtcChecks
    {
        private const long Year2025 = 1_735_689_600;

        internal static void Run()
        {
            bool present = RealTimeClock.TryReadUnixSeconds(out long rtc);
            long wall = WallClock.UnixSeconds;
            if (CommandLine.Get("rtc.expect") == "absent")
            {
                Report.Check("rtc.absent", !present && wall == -1, "read " + Report.Number(rtc) + ", wall clock " + Report.Number(wall));
                return;
            }
            Report.Check("rtc.read", present && rtc > Year2025, "read " + Report.Number(rtc));
            Report.Figure("rtc.unix", rtc, "s");
            int pastMidnight = RealTimeClock.ReadSecondsPastMidnight();
            // The cheap read agrees with the full one (allowing the second to turn over between them).
            long difference = (pastMidnight - rtc % 86_400 + 86_400) % 86_400;
            Report.Check("rtc.past-midnight", pastMidnight >= 0 && difference <= 1, "past midnight " + Report.Number(pastMidnight) + ", full read " + Report.Number(rtc % 86_400));
            Report.Check("wallclock.read", wall >= rtc && wall <= rtc + 2, "wall clock " + Report.Number(wall) + ", RTC " + Report.Number(rtc));
            // Carried by the TSC: 1.5 s later by the guest's own clock, 1-3 s later by the wall clock.
            bool done = false;
            Timers.Schedule(1_500_000_000, () => done = true);
            EventLoop.RunUntil(() => done);
            long later = WallClock.UnixSeconds;
            Report.Check("wallclock.advances", later - wall is >= 1 and <= 3, "from " + Report.Number(wall) + " to " + Report.Number(later));
            Report.Figure("wallclock.unix", later, "s");
        }
    }
}
