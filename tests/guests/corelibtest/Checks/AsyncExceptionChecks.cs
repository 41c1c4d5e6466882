using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace CoreLibTest
{
    // Exceptions through async methods: faults recorded on the task, rethrown by await, caught by
    // type, cancellation by OperationCanceledException, finally across awaits (they rely on the
    // guest runtime's catch support).
    public static partial class Checks
    {
        internal static void AsyncExceptions(Report r) => AsyncRun.ToCompletion(() => AsyncExceptionsBody(r));

        private static async Task AsyncExceptionsBody(Report r)
        {
            Task early = ThrowEarly();
            r.Line("early", StatusName(early.Status) + " " + early.Exception!.InnerException!.Message);
            Task late = ThrowLate();
            r.Line("late-pending", late.IsCompleted);
            try { await late; r.Line("late", "no throw"); }
            catch (InvalidOperationException e) { r.Line("late", "caught " + e.Message + " " + StatusName(late.Status)); }
            using (var cts = new CancellationTokenSource())
            {
                cts.Cancel();
                Task canceled = Task.Delay(10, cts.Token);
                try { await canceled; }
                catch (OperationCanceledException e) { r.Line("await-canceled", (e is TaskCanceledException) + " " + e.Message); }
                Task viaThrow = ThrowIfCanceled(cts.Token);
                r.Line("throw-if-canceled", StatusName(viaThrow.Status));
            }
            Task all = Task.WhenAll(ThrowLate(), Task.FromException(new FormatException("second")));
            try { await all; }
            catch (Exception e) { r.Line("whenall-await", e.Message + " " + all.Exception!.InnerExceptions.Count); }
            try { ThrowEarly().Wait(); }
            catch (AggregateException e) { r.Line("wait", e.InnerExceptions.Count + " " + e.InnerException!.Message); }
            var log = new List<string>();
            await WithFinally(log);
            r.Line("finally", string.Join(",", log));
            Task<int> valueFault = FaultWithValue();
            try { await valueFault; }
            catch (ArgumentException e) { r.Line("generic", e.Message); }
        }

        private static async Task ThrowEarly()
        {
            await Task.CompletedTask;
            throw new InvalidOperationException("early");
        }

        private static async Task ThrowLate()
        {
            await Task.Yield();
            throw new InvalidOperationException("late");
        }

        private static async Task ThrowIfCanceled(CancellationToken token)
        {
            await Task.CompletedTask;
            token.ThrowIfCancellationRequested();
        }

        private static async Task WithFinally(List<string> log)
        {
            try
            {
                log.Add("try");
                await Task.Yield();
                try { await ThrowLate(); }
                finally { log.Add("inner-finally"); }
            }
            catch (InvalidOperationException) { log.Add("catch"); }
            finally { log.Add("finally"); }
        }

        private static async Task<int> FaultWithValue()
        {
            await Task.Delay(1);
            throw new ArgumentException("bad arg");
        }
    }
}
