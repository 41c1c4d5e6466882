using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace CoreLibTest
{
    // Runs an async check to completion. The guest: GetResult pumps the one-thread loop (ready
    // work, kernel timers, interrupts). .NET: a single-threaded SynchronizationContext pumped by
    // this thread, so awaits resume one at a time in FIFO order as in the guest.
    public static class AsyncRun
    {
        public static void ToCompletion(Func<Task> main)
        {
#if GUEST
            main().GetAwaiter().GetResult();
#else
            SingleThreadContext.Run(main);
#endif
        }

#if !GUEST
        private sealed class SingleThreadContext : SynchronizationContext
        {
            private readonly Queue<(SendOrPostCallback Callback, object? State)> _ready = new();
            private readonly object _gate = new();

            public static void Run(Func<Task> main)
            {
                SynchronizationContext? previous = Current;
                var context = new SingleThreadContext();
                SetSynchronizationContext(context);
                try
                {
                    Task task = main();
                    task.ContinueWith(_ => context.Post(static _ => { }, null), TaskScheduler.Default);
                    while (!task.IsCompleted)
                    {
                        (SendOrPostCallback Callback, object? State) work;
                        lock (context._gate)
                        {
                            while (context._ready.Count == 0) Monitor.Wait(context._gate);
                            work = context._ready.Dequeue();
                        }
                        work.Callback(work.State);
                    }
                    task.GetAwaiter().GetResult();
                }
                finally
                {
                    SetSynchronizationContext(previous);
                }
            }

            public override void Post(SendOrPostCallback d, object? state)
            {
                lock (_gate)
                {
                    _ready.Enqueue((d, state));
                    Monitor.Pulse(_gate);
                }
            }

            public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("the check loop only queues work");

            public override SynchronizationContext CreateCopy() => this;
        }
#endif
    }
}
