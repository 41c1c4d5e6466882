using Kernel.Runtime;

namespace KernelTest
{
    // Sleeps on one timer (idle.ms, default 4000) so the host can measure QEMU's CPU time while
    // the guest has nothing to do. The host reads its counters between the two lines.
    internal static class Idle
    {
        internal static void Run()
        {
            long ms = CommandLine.GetSize("idle.ms", 4000);
            bool fired = false;
            long start = Clock.Nanoseconds;
            long interruptsBefore = Interrupts.Count;
            Timers.Schedule(ms * 1_000_000, () => fired = true);
            SerialConsole.WriteLine("idle: waiting");
            EventLoop.RunUntil(() => fired);
            long elapsed = Clock.Nanoseconds - start;
            SerialConsole.WriteLine("idle: done");
            Report.Figure("idle.elapsed", elapsed / 1_000_000, "ms");
            Report.Figure("idle.interrupts", Interrupts.Count - interruptsBefore, "");
            Report.Check("idle.timer", elapsed >= ms * 1_000_000, "woke after " + Report.Number(elapsed / 1_000_000) + " ms");
        }
    }
}
