using System;
using System.Threading.Tasks;

namespace Kernel.Net.App
{
    /// <summary>
    /// The awaitable forms of <see cref="IServiceHost"/>, for both hosts (bare metal and hosted):
    /// a connection served by an async method, and delays on the host's own timers (so they run
    /// on its event loop, under a test's virtual clock too).
    /// </summary>
    public static class AsyncServiceHost
    {
        /// <summary>Listens on <paramref name="port"/> and runs <paramref name="serve"/> for each accepted connection.
        /// A handler that fails (an exception on .NET) gets its connection reset and a log line.</summary>
        public static void Serve(this IServiceHost host, ushort port, Func<AsyncConnection, Task> serve)
        {
            ArgumentNullException.ThrowIfNull(host);
            ArgumentNullException.ThrowIfNull(serve);
            host.Listen(port, connection =>
            {
                var async = new AsyncConnection(connection);
                Task served = serve(async);
                if (!served.IsCompleted) served.GetAwaiter().OnCompleted(() => Observe(host, served, async));
                else Observe(host, served, async);
                return async;
            });
        }

        /// <summary>Completes after <paramref name="delayNanoseconds"/> on the host's timers: the awaiting
        /// method resumes on the host's event loop (under a test's virtual clock too).</summary>
        public static LoopOperation<bool> Delay(this IServiceHost host, long delayNanoseconds)
        {
            ArgumentNullException.ThrowIfNull(host);
            var elapsed = new LoopCompletion<bool>();
            LoopOperation<bool> operation = elapsed.Begin();
            host.ScheduleTimer(delayNanoseconds, () => elapsed.Complete(true));
            return operation;
        }

        private static void Observe(IServiceHost host, Task served, AsyncConnection connection)
        {
            if (!served.IsFaulted) return;
            host.Log("connection handler failed: " + served.Exception!.InnerException!.Message);
            connection.Abort();
        }
    }
}
