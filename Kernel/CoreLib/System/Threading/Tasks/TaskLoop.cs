using System.Collections.Generic;
using Kernel.Runtime;

namespace System.Threading.Tasks
{
    // The guest's single-threaded scheduler. Work that must not run inline (Task.Yield, Task.Run,
    // continuations of RunContinuationsAsynchronously tasks) waits here in FIFO order. Two things
    // drain it: a task being waited on (Task.Wait / GetResult pump this loop and the kernel's event
    // loop), and a zero-delay kernel timer armed whenever the queue becomes non-empty, so a program
    // whose own loop calls EventLoop.RunOnce (a network stack's poll loop) runs posted work too.
    internal static class TaskLoop
    {
        // Inline continuations nest on the stack (task A completes, its awaiter completes B, ...);
        // past this depth they are posted instead, as .NET does when the stack runs low.
        private const int MaxInlineDepth = 64;

        private static readonly Queue<Action> s_ready = new Queue<Action>();
        private static bool s_kickArmed;
        private static int s_inlineDepth;

        public static void Post(Action work)
        {
            s_ready.Enqueue(work);
            if (s_kickArmed) return;
            s_kickArmed = true;
            Timers.Schedule(0, Kick);
        }

        // Runs a continuation now unless the stack of nested continuations is already deep.
        public static void RunInline(Action continuation)
        {
            if (s_inlineDepth >= MaxInlineDepth)
            {
                Post(continuation);
                return;
            }
            s_inlineDepth++;
            try { continuation(); }
            finally { s_inlineDepth--; }
        }

        // Runs ready work and kernel timers, halting between them, until the task completes.
        public static void RunUntilCompleted(Task task) => RunUntilCompleted(task, long.MaxValue);

        // Same with a deadline (Clock nanoseconds); returns whether the task completed.
        public static bool RunUntilCompleted(Task task, long deadlineNs)
        {
            if (task.IsCompleted) return true;
            // A nested wait starts with a fresh inline budget: it is a new loop on top of the stack.
            int savedDepth = s_inlineDepth;
            s_inlineDepth = 0;
            int wake = deadlineNs == long.MaxValue ? 0 : Timers.Schedule(deadlineNs - Clock.Nanoseconds, static () => { });
            while (!task.IsCompleted)
            {
                int ran = RunReady();
                ran += EventLoop.RunOnce();
                if (task.IsCompleted || Clock.Nanoseconds >= deadlineNs) break;
                if (ran == 0 && s_ready.Count == 0) EventLoop.WaitForInterrupt();
            }
            if (wake != 0) Timers.Cancel(wake);
            s_inlineDepth = savedDepth;
            return task.IsCompleted;
        }

        // Runs the work that was ready when the call began: work it posts waits for the next pass,
        // so a Task.Yield loop cannot starve timers and devices.
        private static int RunReady()
        {
            int count = s_ready.Count;
            for (int i = 0; i < count; i++)
            {
                if (!s_ready.TryDequeue(out Action? work)) break;
                work();
            }
            return count;
        }

        private static void Kick()
        {
            s_kickArmed = false;
            RunReady();
            if (s_ready.Count > 0 && !s_kickArmed)
            {
                s_kickArmed = true;
                Timers.Schedule(0, Kick);
            }
        }
    }
}
