using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace CoreLibTest
{
    public static partial class Checks
    {
        // async/await: the same methods run on the guest's one-thread loop and, on .NET, on a
        // single-threaded SynchronizationContext (AsyncRun), so continuations resume one at a
        // time in the same order. Lines never depend on timing beyond "a 5 ms delay ends before a
        // 60 ms one". Nothing here throws: catch is not in the guest yet.
        private static void AsyncAwait(Report r) => AsyncRun.ToCompletion(() => AsyncAwaitBody(r));

        private static async Task AsyncAwaitBody(Report r)
        {
            await CompletedWork(r);
            await PendingWork(r);
            await Yielding(r);
            await Delays(r);
            await Combinators(r);
            await Cancellation(r);
            await Faults(r);
            await ValueTasks(r);
            await Shapes(r);
        }

        private static async Task CompletedWork(Report r)
        {
            Task<int> sum = AddAsync(2, 3);
            r.Line("sync.completed", sum.IsCompleted + " " + StatusName(sum.Status));
            r.Line("sync.result", await sum);
            Task none = NothingAsync();
            r.Line("sync.no-await", none.IsCompletedSuccessfully);
            r.Line("sync.completed-task", Task.CompletedTask.IsCompleted + " " + Task.FromResult("cached").Result);
            r.Line("sync.configure-await", await Task.FromResult(7).ConfigureAwait(false));
            int total = 0;
            for (int i = 1; i <= 10; i++) total += await AddAsync(i, i);
            r.Line("sync.loop", total);
        }

        private static async Task PendingWork(Report r)
        {
            // Completing a task runs its awaiters inline, before SetResult returns.
            var log = new List<string>();
            var source = new TaskCompletionSource<int>();
            Task waiter = LogAfter(source.Task, "awaited", log);
            r.Line("pending.status", StatusName(waiter.Status) + " " + StatusName(source.Task.Status));
            log.Add("set");
            source.SetResult(5);
            log.Add("after-set");
            await waiter;
            r.Line("pending.inline-order", string.Join(",", log));

            // ...unless the source asks for asynchronous continuations: then they are queued.
            log.Clear();
            var deferred = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            Task later = LogAfter(deferred.Task, "awaited", log);
            log.Add("set");
            deferred.SetResult(6);
            log.Add("after-set");
            await later;
            r.Line("pending.async-order", string.Join(",", log));
            r.Line("pending.set-twice", deferred.TrySetResult(7) + " " + deferred.Task.Result);

            var plain = new TaskCompletionSource();
            Task chained = Chain(plain.Task, 3);
            r.Line("pending.chain-before", chained.IsCompleted);
            plain.SetResult();
            r.Line("pending.chain-after", chained.IsCompleted + " " + StatusName(chained.Status));
        }

        private static async Task Yielding(Report r)
        {
            var log = new List<string>();
            Task a = YieldLoop("a", 3, log);
            Task b = YieldLoop("b", 3, log);
            r.Line("yield.pending", a.IsCompleted + " " + StatusName(a.Status));
            await Task.WhenAll(a, b);
            r.Line("yield.interleaved", string.Join(",", log));
            r.Line("yield.deep", await Depth(300));
            r.Line("yield.run", await Task.Run(() => 21 * 2) + " " + await Task.Run(async () => { await Task.Yield(); return "posted"; }));
        }

        private static async Task Delays(Report r)
        {
            var clock = Stopwatch.StartNew();
            await Task.Delay(20);
            r.Line("delay.waited-at-least-15ms", clock.ElapsedMilliseconds >= 15);
            r.Line("delay.zero", Task.Delay(0).IsCompleted);
            Task<int> pending = DelayedValue(5, 11);
            r.Line("delay.pending", pending.IsCompleted);
            r.Line("delay.value", await pending);
            var log = new List<string>();
            await Task.WhenAll(LogAfterDelay(60, "slow", log), LogAfterDelay(5, "fast", log));
            r.Line("delay.order", string.Join(",", log));
            r.Line("delay.timespan", await DelayedValue(TimeSpan.FromMilliseconds(3), 12));
        }

        private static async Task Combinators(Report r)
        {
            int[] doubled = await Task.WhenAll(DoubleLater(1, 15), DoubleLater(2, 1), DoubleLater(3, 0));
            r.Line("whenall.results", Report.Join(doubled));
            Task done = Task.WhenAll(Task.CompletedTask, Task.FromResult(1));
            r.Line("whenall.completed-sync", done.IsCompletedSuccessfully);
            r.Line("whenall.empty", Task.WhenAll(new List<Task>()).IsCompletedSuccessfully);

            var never = new TaskCompletionSource<int>();
            Task delay = Task.Delay(5);
            Task winner = await Task.WhenAny(never.Task, delay);
            r.Line("whenany.winner", (winner == delay) + " " + never.Task.IsCompleted);
            Task<int> first = await Task.WhenAny(never.Task, Task.FromResult(8), Task.FromResult(9));
            r.Line("whenany.completed-first", first.Result);
            Task<Task> any = Task.WhenAny(never.Task, Task.Delay(Timeout.Infinite));
            r.Line("whenany.pending", any.IsCompleted);

            var waitOnly = new TaskCompletionSource();
            r.Line("wait.timeout", waitOnly.Task.Wait(10));
            Task timedOut = waitOnly.Task.WaitAsync(TimeSpan.FromMilliseconds(5));
            await Task.WhenAny(timedOut);
            r.Line("wait.async-timeout", StatusName(timedOut.Status) + " " + (timedOut.Exception!.InnerException is TimeoutException));
            Task inTime = Task.Delay(1).WaitAsync(TimeSpan.FromSeconds(30));
            await inTime;
            r.Line("wait.async-in-time", StatusName(inTime.Status));
        }

        private static async Task Cancellation(Report r)
        {
            r.Line("cancel.none", CancellationToken.None.CanBeCanceled + " " + new CancellationToken(true).IsCancellationRequested);
            var log = new List<string>();
            using (var source = new CancellationTokenSource())
            {
                CancellationToken token = source.Token;
                token.Register(() => log.Add("first"));
                CancellationTokenRegistration dropped = token.Register(() => log.Add("dropped"));
                token.Register(state => log.Add((string)state!), "second");
                dropped.Dispose();
                r.Line("cancel.before", token.IsCancellationRequested + " " + token.CanBeCanceled);
                source.Cancel();
                log.Add("cancelled");
                token.Register(() => log.Add("late"));
                r.Line("cancel.callbacks", string.Join(",", log));
                r.Line("cancel.after", token.IsCancellationRequested + " " + StatusName(Task.Delay(10, token).Status));
            }

            using (var source = new CancellationTokenSource())
            {
                Task sleeping = Task.Delay(60_000, source.Token);
                r.Line("cancel.delay-before", StatusName(sleeping.Status));
                source.Cancel();
                r.Line("cancel.delay-after", StatusName(sleeping.Status) + " " + sleeping.IsCanceled);
            }

            using (var timeout = new CancellationTokenSource(10))
            {
                Task forever = Task.Delay(Timeout.Infinite, timeout.Token);
                await Task.WhenAny(forever);
                r.Line("cancel.timeout", StatusName(forever.Status) + " " + timeout.IsCancellationRequested);
            }

            using (var later = new CancellationTokenSource())
            {
                later.CancelAfter(TimeSpan.FromMilliseconds(5));
                r.Line("cancel.after-pending", later.IsCancellationRequested);
                await Task.WhenAny(Task.Delay(Timeout.Infinite, later.Token));
                r.Line("cancel.after-fired", later.IsCancellationRequested);
            }

            using (var a = new CancellationTokenSource())
            using (var b = new CancellationTokenSource())
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(a.Token, b.Token))
            {
                r.Line("cancel.linked-before", linked.IsCancellationRequested);
                b.Cancel();
                r.Line("cancel.linked-after", linked.IsCancellationRequested + " " + a.IsCancellationRequested);
            }

            using (var reset = new CancellationTokenSource())
            {
                reset.Token.Register(() => log.Add("never"));
                r.Line("cancel.reset", reset.TryReset() + " " + reset.IsCancellationRequested);
            }

            using (var stopped = new CancellationTokenSource())
            {
                stopped.Cancel();
                Task<int> refused = Task.FromCanceled<int>(stopped.Token);
                r.Line("cancel.from-canceled", StatusName(refused.Status) + " " + refused.IsCanceled + " " + (refused.Exception is null));
            }
        }

        private static async Task Faults(Report r)
        {
            var source = new TaskCompletionSource<string>();
            Task<string> failing = source.Task;
            source.SetException(new InvalidOperationException("boom"));
            AggregateException error = failing.Exception!;
            r.Line("fault.status", StatusName(failing.Status) + " " + failing.IsFaulted + " " + failing.IsCompleted);
            r.Line("fault.inner", error.InnerExceptions.Count + " " + error.InnerException!.Message + " " + (error.InnerExceptions[0] is InvalidOperationException));
            r.Line("fault.message", error.Message);
            r.Line("fault.set-again", source.TrySetResult("late") + " " + source.TrySetCanceled());
            Task failed = Task.FromException(new FormatException("bad"));
            r.Line("fault.from-exception", StatusName(failed.Status) + " " + failed.Exception!.InnerException!.Message);

            using var stop = new CancellationTokenSource();
            stop.Cancel();
            Task all = Task.WhenAll(Task.FromCanceled(stop.Token), failed, Task.CompletedTask, Task.FromException(new TimeoutException("slow")));
            await Task.WhenAny(all);
            r.Line("fault.whenall", StatusName(all.Status) + " " + all.Exception!.InnerExceptions.Count + " " + all.Exception.InnerExceptions[1].Message);
            // Exceptions come in completion order, not argument order (as .NET 10 reports them).
            var lateFault = new TaskCompletionSource();
            Task ordered = Task.WhenAll(lateFault.Task, Task.FromException(new FormatException("already")));
            lateFault.SetException(new InvalidOperationException("later"));
            r.Line("fault.whenall-order", ordered.Exception!.InnerExceptions[0].Message + " " + ordered.Exception.InnerExceptions[1].Message);
            Task canceledOnly = Task.WhenAll(Task.CompletedTask, Task.FromCanceled(stop.Token));
            r.Line("fault.whenall-canceled", StatusName(canceledOnly.Status));
            var nested = new AggregateException(new AggregateException(new InvalidOperationException("x")), new FormatException("y"));
            r.Line("fault.flatten", nested.Flatten().InnerExceptions.Count + " " + nested.Flatten().Message);
        }

        private static async Task ValueTasks(Report r)
        {
            ValueTask<int> ready = SquareAsync(6, pause: false);
            r.Line("valuetask.sync", ready.IsCompletedSuccessfully + " " + await ready);
            ValueTask<int> later = SquareAsync(7, pause: true);
            r.Line("valuetask.pending", later.IsCompleted);
            r.Line("valuetask.awaited", await later);
            ValueTask plain = TouchAsync(pause: true);
            r.Line("valuetask.plain", plain.IsCompleted);
            await plain;
            r.Line("valuetask.as-task", ValueTask.FromResult(3).AsTask().Result + " " + ValueTask.CompletedTask.IsCompleted + " " + await new ValueTask<int>(Task.FromResult(4)));
            var log = new List<string>();
            await using (var resource = new AsyncResource(log))
            {
                log.Add("use");
            }
            r.Line("valuetask.await-using", string.Join(",", log));
        }

        private static async Task Shapes(Report r)
        {
            // State that lives across awaits: locals of every kind, a struct, a captured loop variable.
            long big = 1L << 40;
            string text = "x";
            var point = (X: 1, Y: 2);
            var funcs = new List<Func<int>>();
            for (int i = 0; i < 3; i++)
            {
                await Task.Yield();
                int copy = i;
                funcs.Add(() => copy * 10);
                big += i;
                text += i;
                point.X += i;
            }
            r.Line("shape.locals", big + " " + text + " " + point.X + " " + point.Y + " " + funcs[2]());
            r.Line("shape.generic", await Echo("text") + " " + await Echo(12L) + " " + (await Echo<int?>(null)).HasValue);

            var log = new List<string>();
            var gate = new TaskCompletionSource();
            FireAndForget(gate.Task, log);
            log.Add("returned");
            gate.SetResult();
            r.Line("shape.async-void", string.Join(",", log));
            r.Line("shape.lambda", await ((Func<Task<int>>)(async () => { await Task.Yield(); return 5; }))());
        }

        // --- the async methods under test ---

        private static async Task<int> AddAsync(int a, int b)
        {
            await Task.CompletedTask;
            return a + b;
        }

        private static async Task NothingAsync() => await Task.FromResult(0);

        private static async Task LogAfter(Task<int> task, string what, List<string> log)
        {
            int value = await task;
            log.Add(what + "=" + value);
        }

        private static async Task Chain(Task start, int links)
        {
            if (links == 0) await start;
            else await Chain(start, links - 1);
        }

        private static async Task YieldLoop(string name, int rounds, List<string> log)
        {
            for (int i = 0; i < rounds; i++)
            {
                log.Add(name + i);
                await Task.Yield();
            }
        }

        private static async Task<int> Depth(int n)
        {
            if (n == 0)
            {
                await Task.Yield();
                return 0;
            }
            return await Depth(n - 1) + 1;
        }

        private static async Task<int> DelayedValue(int ms, int value)
        {
            await Task.Delay(ms);
            return value;
        }

        private static async Task<int> DelayedValue(TimeSpan delay, int value)
        {
            await Task.Delay(delay);
            return value;
        }

        private static async Task LogAfterDelay(int ms, string what, List<string> log)
        {
            await Task.Delay(ms);
            log.Add(what);
        }

        private static async Task<int> DoubleLater(int value, int ms)
        {
            if (ms > 0) await Task.Delay(ms);
            else await Task.Yield();
            return value * 2;
        }

        private static async ValueTask<int> SquareAsync(int value, bool pause)
        {
            if (pause) await Task.Yield();
            return value * value;
        }

        private static async ValueTask TouchAsync(bool pause)
        {
            if (pause) await Task.Delay(1);
        }

        private static async Task<T> Echo<T>(T value)
        {
            await Task.Yield();
            return value;
        }

        private static async void FireAndForget(Task gate, List<string> log)
        {
            log.Add("started");
            await gate;
            log.Add("resumed");
        }

        private sealed class AsyncResource : IAsyncDisposable
        {
            private readonly List<string> _log;

            public AsyncResource(List<string> log)
            {
                _log = log;
                log.Add("open");
            }

            public async ValueTask DisposeAsync()
            {
                await Task.Yield();
                _log.Add("disposed");
            }
        }

        // Enum names: the guest has no metadata, so Enum.ToString() would print the number.
        private static string StatusName(TaskStatus status) => status switch
        {
            TaskStatus.Created => "Created",
            TaskStatus.WaitingForActivation => "WaitingForActivation",
            TaskStatus.WaitingToRun => "WaitingToRun",
            TaskStatus.Running => "Running",
            TaskStatus.RanToCompletion => "RanToCompletion",
            TaskStatus.Canceled => "Canceled",
            TaskStatus.Faulted => "Faulted",
            _ => "other",
        };
    }
}
