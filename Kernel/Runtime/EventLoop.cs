using System;

namespace Kernel.Runtime
{
    /// <summary>
    /// The guest's only thread of control: programs loop on RunOnce (run due timers) and
    /// WaitForInterrupt (halt until the next timer or device interrupt), so an idle guest costs
    /// the host nothing.
    /// </summary>
    public static unsafe class EventLoop
    {
        private static ulong s_seenInterrupts;

        /// <summary>Runs the timers that are due; returns how many ran.</summary>
        public static int RunOnce()
        {
            s_seenInterrupts = (ulong)Interrupts.Count;
            return Timers.RunDue();
        }

        /// <summary>
        /// Halts the CPU until an interrupt arrives, arming the LAPIC timer for the next timer
        /// deadline. Returns at once if an interrupt came in since the last RunOnce, so a device
        /// event between the caller's check and this call is not slept through.
        /// </summary>
        public static void WaitForInterrupt()
        {
            long next = Timers.NextDeadline;
            if (next != long.MaxValue) Lapic.ArmTimer(next - Clock.Nanoseconds);
            Native.WaitForInterrupt(Interrupts.CounterAddress, s_seenInterrupts);
        }

        /// <summary>Runs timers and sleeps between them until <paramref name="done"/> returns true.</summary>
        public static void RunUntil(Func<bool> done)
        {
            while (true)
            {
                RunOnce();
                if (done()) return;
                WaitForInterrupt();
            }
        }
    }
}
