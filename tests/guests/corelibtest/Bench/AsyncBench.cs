using System;
using System.Threading.Tasks;

namespace CoreLibTest
{
    // async/await figures: what an await costs when the awaited work is already done, when it is
    // a Task.Yield round trip through the loop, and how late a 1 ms Task.Delay wakes up.
    public static class AsyncBench
    {
        private static int s_sink;

        public static void Run(Func<long> now, Func<long> allocatedBytes, Action<string> writeLine)
        {
            AsyncRun.ToCompletion(() => Measure("await-completed-task", 1_000_000, now, allocatedBytes, writeLine, AwaitCompleted));
            AsyncRun.ToCompletion(() => Measure("call-async-method-sync", 500_000, now, allocatedBytes, writeLine, CallSync));
            AsyncRun.ToCompletion(() => Measure("await-tcs-inline", 200_000, now, allocatedBytes, writeLine, AwaitSignalled));
            AsyncRun.ToCompletion(() => Measure("yield-round-trip", 200_000, now, allocatedBytes, writeLine, Yields));
            AsyncRun.ToCompletion(() => Measure("delay-1ms", 50, now, allocatedBytes, writeLine, Delays));
            writeLine("bench.async-sink = " + s_sink);
        }

        private static async Task Measure(string name, int operations, Func<long> now, Func<long> allocatedBytes, Action<string> writeLine, Func<int, Task> body)
        {
            await body(operations / 10);
            long allocatedBefore = allocatedBytes();
            long start = now();
            await body(operations);
            long elapsed = now() - start;
            long allocated = allocatedBytes() - allocatedBefore;
            writeLine("figure " + name + " = " + (elapsed / operations) + " ns/op, " + (allocated / operations) + " bytes/op");
        }

        private static async Task AwaitCompleted(int n)
        {
            Task<int> done = Task.FromResult(3);
            int sum = 0;
            for (int i = 0; i < n; i++) sum += await done;
            s_sink += sum;
        }

        private static async Task CallSync(int n)
        {
            int sum = 0;
            for (int i = 0; i < n; i++) sum += await Increment(i);
            s_sink += sum;
        }

        private static async Task<int> Increment(int x)
        {
            await Task.CompletedTask;
            return x + 1;
        }

        // One suspension and one inline resumption per operation: the awaiter of a pending task.
        private static async Task AwaitSignalled(int n)
        {
            for (int i = 0; i < n; i++)
            {
                var source = new TaskCompletionSource<int>();
                Task<int> waiter = Twice(source.Task);
                source.SetResult(i);
                s_sink += await waiter;
            }
        }

        private static async Task<int> Twice(Task<int> value) => 2 * await value;

        private static async Task Yields(int n)
        {
            for (int i = 0; i < n; i++) await Task.Yield();
            s_sink += n;
        }

        private static async Task Delays(int n)
        {
            for (int i = 0; i < n; i++) await Task.Delay(1);
            s_sink += n;
        }
    }
}
