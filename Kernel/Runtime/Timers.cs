using System;

namespace Kernel.Runtime
{
    /// <summary>
    /// One-shot timers. Callbacks run from EventLoop.RunOnce on the program's own stack, never in
    /// interrupt context, so they may allocate and do real work. Schedule and Cancel belong to
    /// the program's side too: calling them from an interrupt handler is a panic.
    /// </summary>
    public static class Timers
    {
        private static int[] s_ids = new int[0];
        private static long[] s_deadlines = new long[0];
        private static Action?[] s_callbacks = new Action?[0];
        private static int s_count;
        private static int s_nextId = 1;

        /// <summary>Runs <paramref name="callback"/> once, about <paramref name="delayNanoseconds"/> from now; returns an id for Cancel.</summary>
        public static int Schedule(long delayNanoseconds, Action callback)
        {
            if (callback is null) Panic.Fail("Timers.Schedule: callback is null");
            if (Interrupts.InHandler) Panic.Fail("Timers.Schedule from an interrupt handler: set a flag there and schedule from the event loop");
            if (delayNanoseconds < 0) delayNanoseconds = 0;
            if (s_count == s_ids.Length) Grow();
            // Ids wrap after 2^32 timers; only ids still pending must be unique, and 0 is never used.
            int id = s_nextId;
            s_nextId = unchecked(s_nextId + 1) == 0 ? 1 : unchecked(s_nextId + 1);
            s_ids[s_count] = id;
            s_deadlines[s_count] = Clock.Nanoseconds + delayNanoseconds;
            s_callbacks[s_count] = callback;
            s_count++;
            return id;
        }

        /// <summary>Cancels a timer that has not fired yet; returns false if it already ran or never existed.</summary>
        public static bool Cancel(int id)
        {
            if (Interrupts.InHandler) Panic.Fail("Timers.Cancel from an interrupt handler: set a flag there and cancel from the event loop");
            for (int i = 0; i < s_count; i++)
            {
                if (s_ids[i] != id) continue;
                RemoveAt(i);
                return true;
            }
            return false;
        }

        /// <summary>Timers scheduled and not yet run.</summary>
        public static int Pending => s_count;

        // Earliest deadline, or long.MaxValue if nothing is scheduled.
        internal static long NextDeadline
        {
            get
            {
                long next = long.MaxValue;
                for (int i = 0; i < s_count; i++)
                    if (s_deadlines[i] < next) next = s_deadlines[i];
                return next;
            }
        }

        // Runs every timer due at the start of the call. A timer a callback schedules, even with
        // no delay, gets a deadline after that instant and waits for the next call, so a callback
        // that reschedules itself cannot starve the loop.
        internal static int RunDue()
        {
            long now = Clock.Nanoseconds;
            int ran = 0;
            for (int i = 0; i < s_count;)
            {
                if (s_deadlines[i] > now) { i++; continue; }
                Action callback = s_callbacks[i]!;
                RemoveAt(i);
                callback();
                ran++;
                i = 0; // the callback may have cancelled or added timers
            }
            return ran;
        }

        private static void RemoveAt(int i)
        {
            int last = s_count - 1;
            s_ids[i] = s_ids[last];
            s_deadlines[i] = s_deadlines[last];
            s_callbacks[i] = s_callbacks[last];
            s_callbacks[last] = null;
            s_count = last;
        }

        private static void Grow()
        {
            int capacity = s_ids.Length == 0 ? 8 : s_ids.Length * 2;
            int[] ids = new int[capacity];
            long[] deadlines = new long[capacity];
            Action?[] callbacks = new Action?[capacity];
            for (int i = 0; i < s_count; i++)
            {
                ids[i] = s_ids[i];
                deadlines[i] = s_deadlines[i];
                callbacks[i] = s_callbacks[i];
            }
            s_ids = ids;
            s_deadlines = deadlines;
            s_callbacks = callbacks;
        }
    }
}
