using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace System.Threading.Tasks
{
    public partial class Task
    {
        public static Task<TResult> FromResult<TResult>(TResult result) => new Task<TResult>(result);

        public static Task FromException(Exception exception)
        {
            var task = new Task();
            task.TrySetException(exception);
            return task;
        }

        public static Task<TResult> FromException<TResult>(Exception exception)
        {
            var task = new Task<TResult>();
            task.TrySetException(exception);
            return task;
        }

        public static Task FromCanceled(CancellationToken cancellationToken)
        {
            if (!cancellationToken.IsCancellationRequested) throw new ArgumentOutOfRangeException(nameof(cancellationToken));
            var task = new Task();
            task.TrySetCanceled(cancellationToken);
            return task;
        }

        public static Task<TResult> FromCanceled<TResult>(CancellationToken cancellationToken)
        {
            if (!cancellationToken.IsCancellationRequested) throw new ArgumentOutOfRangeException(nameof(cancellationToken));
            var task = new Task<TResult>();
            task.TrySetCanceled(cancellationToken);
            return task;
        }

        public static YieldAwaitable Yield() => default;

        // --- Delay: a kernel timer completes the task; the token cancels the timer ---

        public static Task Delay(int millisecondsDelay) => Delay(millisecondsDelay, default);

        public static Task Delay(TimeSpan delay) => Delay(CancellationTokenSource.ToMilliseconds(delay, nameof(delay)), default);

        public static Task Delay(TimeSpan delay, CancellationToken cancellationToken)
            => Delay(CancellationTokenSource.ToMilliseconds(delay, nameof(delay)), cancellationToken);

        public static Task Delay(int millisecondsDelay, CancellationToken cancellationToken)
        {
            if (millisecondsDelay < -1) throw new ArgumentOutOfRangeException(nameof(millisecondsDelay), "The value needs to be either -1 (signifying an infinite timeout), 0 or a positive integer.");
            if (cancellationToken.IsCancellationRequested) return FromCanceled(cancellationToken);
            if (millisecondsDelay == 0) return CompletedTask;
            return new DelayPromise(millisecondsDelay, cancellationToken);
        }

        private sealed class DelayPromise : Task
        {
            private readonly int _timerId;
            private readonly CancellationTokenRegistration _registration;
            private readonly CancellationToken _token;

            public DelayPromise(int milliseconds, CancellationToken token)
            {
                _token = token;
                if (milliseconds != Timeout.Infinite) _timerId = Timers.Schedule(milliseconds * 1_000_000L, Elapsed);
                if (token.CanBeCanceled) _registration = token.Register(Canceled);
            }

            private void Elapsed()
            {
                _registration.Dispose();
                TrySetResult();
            }

            private void Canceled()
            {
                if (_timerId != 0) Timers.Cancel(_timerId);
                TrySetCanceled(_token);
            }
        }

        // --- Run: one thread, so "run" means "post to the loop" ---

        public static Task Run(Action action)
        {
            if (action is null) throw new ArgumentNullException(nameof(action));
            var task = new Task();
            TaskLoop.Post(() =>
            {
                try
                {
                    action();
                    task.TrySetResult();
                }
                catch (Exception e)
                {
                    task.TrySetExceptionOrCanceled(e);
                }
            });
            return task;
        }

        public static Task<TResult> Run<TResult>(Func<TResult> function)
        {
            if (function is null) throw new ArgumentNullException(nameof(function));
            var task = new Task<TResult>();
            TaskLoop.Post(() =>
            {
                try
                {
                    task.TrySetResult(function());
                }
                catch (Exception e)
                {
                    task.TrySetExceptionOrCanceled(e);
                }
            });
            return task;
        }

        public static Task Run(Func<Task?> function)
        {
            if (function is null) throw new ArgumentNullException(nameof(function));
            var task = new Task();
            TaskLoop.Post(() =>
            {
                Task? inner;
                try
                {
                    inner = function();
                }
                catch (Exception e)
                {
                    task.TrySetExceptionOrCanceled(e);
                    return;
                }
                if (inner is null) task.TrySetCanceled(default);
                else inner.OnCompletedInline(() => task.TrySetFrom(inner));
            });
            return task;
        }

        public static Task<TResult> Run<TResult>(Func<Task<TResult>?> function)
        {
            if (function is null) throw new ArgumentNullException(nameof(function));
            var task = new Task<TResult>();
            TaskLoop.Post(() =>
            {
                Task<TResult>? inner;
                try
                {
                    inner = function();
                }
                catch (Exception e)
                {
                    task.TrySetExceptionOrCanceled(e);
                    return;
                }
                if (inner is null) task.TrySetCanceled(default);
                else inner.OnCompletedInline(() => { if (inner.IsCompletedSuccessfully) task.TrySetResult(inner.GetResultOfAwait()); else task.TrySetFrom(inner); });
            });
            return task;
        }

        internal void TrySetExceptionOrCanceled(Exception e)
        {
            if (e is OperationCanceledException canceled) TrySetCanceled(canceled.CancellationToken, canceled);
            else TrySetException(e);
        }

        // Completes this task as `source` completed (for a Task<T> source's result, see callers).
        internal void TrySetFrom(Task source)
        {
            if (source._status == TaskStatus.Faulted) TrySetException(source._exceptions!);
            else if (source._status == TaskStatus.Canceled) TrySetCanceled(source._cancellationToken, source._cancellation);
            else TrySetResult();
        }

        // --- WhenAll / WhenAny ---

        public static Task WhenAll(params Task[] tasks)
        {
            if (tasks is null) throw new ArgumentNullException(nameof(tasks));
            return WhenAllCore(Copy(tasks, nameof(tasks)));
        }

        public static Task WhenAll(IEnumerable<Task> tasks)
        {
            if (tasks is null) throw new ArgumentNullException(nameof(tasks));
            return WhenAllCore(Copy(new List<Task>(tasks).ToArray(), nameof(tasks)));
        }

        public static Task<TResult[]> WhenAll<TResult>(params Task<TResult>[] tasks)
        {
            if (tasks is null) throw new ArgumentNullException(nameof(tasks));
            Task<TResult>[] copy = Copy(tasks, nameof(tasks));
            var all = new Task<TResult[]>();
            Task outcome = WhenAllCore(copy);
            outcome.OnCompletedInline(() =>
            {
                if (!outcome.IsCompletedSuccessfully)
                {
                    all.TrySetFrom(outcome);
                    return;
                }
                var results = new TResult[copy.Length];
                for (int i = 0; i < copy.Length; i++) results[i] = copy[i].GetResultOfAwait();
                all.TrySetResult(results);
            });
            return all;
        }

        public static Task<TResult[]> WhenAll<TResult>(IEnumerable<Task<TResult>> tasks)
        {
            if (tasks is null) throw new ArgumentNullException(nameof(tasks));
            return WhenAll(new List<Task<TResult>>(tasks).ToArray());
        }

        // As .NET: faulted with every exception if any task faulted, else canceled if any was
        // canceled, else success. Exceptions are in the order the tasks completed (those already
        // complete first, in argument order), which is what .NET 10 reports.
        private static Task WhenAllCore<T>(T[] tasks) where T : Task
        {
            if (tasks.Length == 0) return CompletedTask;
            var all = new Task();
            int remaining = tasks.Length;
            List<Exception>? exceptions = null;
            Task? canceled = null;
            foreach (Task task in tasks)
                task.OnCompletedInline(() =>
                {
                    if (task._status == TaskStatus.Faulted) (exceptions ??= new List<Exception>()).AddRange(task._exceptions!);
                    else if (task._status == TaskStatus.Canceled) canceled ??= task;
                    if (--remaining != 0) return;
                    if (exceptions is not null) all.TrySetException(exceptions);
                    else if (canceled is not null) all.TrySetFrom(canceled);
                    else all.TrySetResult();
                });
            return all;
        }

        public static Task<Task> WhenAny(params Task[] tasks)
        {
            if (tasks is null) throw new ArgumentNullException(nameof(tasks));
            return WhenAnyCore<Task>(Copy(tasks, nameof(tasks)));
        }

        public static Task<Task> WhenAny(Task task1, Task task2) => WhenAny([task1, task2]);

        public static Task<Task> WhenAny(IEnumerable<Task> tasks)
        {
            if (tasks is null) throw new ArgumentNullException(nameof(tasks));
            return WhenAny(new List<Task>(tasks).ToArray());
        }

        public static Task<Task<TResult>> WhenAny<TResult>(params Task<TResult>[] tasks)
        {
            if (tasks is null) throw new ArgumentNullException(nameof(tasks));
            return WhenAnyCore<Task<TResult>>(Copy(tasks, nameof(tasks)));
        }

        public static Task<Task<TResult>> WhenAny<TResult>(Task<TResult> task1, Task<TResult> task2) => WhenAny([task1, task2]);

        private static Task<T> WhenAnyCore<T>(T[] tasks) where T : Task
        {
            if (tasks.Length == 0) throw new ArgumentException("The tasks argument contains no tasks.", nameof(tasks));
            // A task already complete wins at once, the first in argument order (as .NET).
            foreach (T task in tasks)
                if (task.IsCompleted) return new Task<T>(task);
            var any = new Task<T>();
            foreach (T task in tasks)
                task.OnCompletedInline(() => any.TrySetResult(task));
            return any;
        }

        private static T[] Copy<T>(T[] tasks, string paramName) where T : Task
        {
            var copy = new T[tasks.Length];
            for (int i = 0; i < tasks.Length; i++)
                copy[i] = tasks[i] ?? throw new ArgumentException("The tasks argument included a null value.", paramName);
            return copy;
        }

        // --- WaitAsync: the task, or a timeout / cancellation, whichever comes first ---

        public Task WaitAsync(CancellationToken cancellationToken) => WaitAsync(Timeout.Infinite, cancellationToken);

        public Task WaitAsync(TimeSpan timeout) => WaitAsync(CancellationTokenSource.ToMilliseconds(timeout, nameof(timeout)), default);

        public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
            => WaitAsync(CancellationTokenSource.ToMilliseconds(timeout, nameof(timeout)), cancellationToken);

        private Task WaitAsync(int milliseconds, CancellationToken token)
        {
            if (IsCompleted || (milliseconds == Timeout.Infinite && !token.CanBeCanceled)) return this;
            if (token.IsCancellationRequested) return FromCanceled(token);
            if (milliseconds == 0) return FromException(new TimeoutException());
            var result = new Task();
            int timer = milliseconds == Timeout.Infinite ? 0 : Timers.Schedule(milliseconds * 1_000_000L, () => result.TrySetException(new TimeoutException()));
            CancellationTokenRegistration registration = token.Register(() => result.TrySetCanceled(token));
            result.OnCompletedInline(() =>
            {
                if (timer != 0) Timers.Cancel(timer);
                registration.Dispose();
            });
            OnCompletedInline(() => result.TrySetFrom(this));
            return result;
        }
    }
}
