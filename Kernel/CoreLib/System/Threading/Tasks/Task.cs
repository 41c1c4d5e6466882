using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace System.Threading.Tasks
{
    // A promise of completion. In the guest there is one thread, so a task never "runs": it is
    // completed by whoever holds its completion source (an async method's builder, a timer, a
    // TaskCompletionSource), and its continuations then run inline on that caller's stack, as
    // .NET runs await continuations when no SynchronizationContext is involved.
    public partial class Task
    {
        private static Task? s_completed;

        private TaskStatus _status;
        private readonly bool _continueAsynchronously;
        private object? _continuations;   // null, one Action, or a List<Action>
        private List<Exception>? _exceptions;
        private AggregateException? _aggregate;
        private OperationCanceledException? _cancellation;
        private CancellationToken _cancellationToken;

        internal Task() { _status = TaskStatus.WaitingForActivation; }

        internal Task(TaskCreationOptions options) : this()
        {
            _continueAsynchronously = (options & TaskCreationOptions.RunContinuationsAsynchronously) != 0;
        }

        internal Task(TaskStatus completedStatus) { _status = completedStatus; }

        public static Task CompletedTask => s_completed ??= new Task(TaskStatus.RanToCompletion);

        public TaskStatus Status => _status;

        public bool IsCompleted => _status >= TaskStatus.RanToCompletion;

        public bool IsCompletedSuccessfully => _status == TaskStatus.RanToCompletion;

        public bool IsFaulted => _status == TaskStatus.Faulted;

        public bool IsCanceled => _status == TaskStatus.Canceled;

        public object? AsyncState => null;

        public AggregateException? Exception
            => _status != TaskStatus.Faulted ? null : _aggregate ??= new AggregateException(_exceptions!.ToArray());

        internal CancellationToken CancellationTokenForException => _cancellationToken;

        public TaskAwaiter GetAwaiter() => new TaskAwaiter(this);

        public ConfiguredTaskAwaitable ConfigureAwait(bool continueOnCapturedContext) => new ConfiguredTaskAwaitable(this, suppressThrowing: false);

        public ConfiguredTaskAwaitable ConfigureAwait(ConfigureAwaitOptions options)
            => new ConfiguredTaskAwaitable(this, (options & ConfigureAwaitOptions.SuppressThrowing) != 0);

        // Waiting pumps the guest's loop (ready work, timers, interrupts) until the task completes.
        public void Wait()
        {
            TaskLoop.RunUntilCompleted(this);
            ThrowIfUnsuccessful(aggregate: true);
        }

        public bool Wait(int millisecondsTimeout)
        {
            if (millisecondsTimeout < -1) throw new ArgumentOutOfRangeException(nameof(millisecondsTimeout));
            bool done = millisecondsTimeout == Timeout.Infinite
                ? TaskLoop.RunUntilCompleted(this, long.MaxValue)
                : TaskLoop.RunUntilCompleted(this, Clock.Nanoseconds + millisecondsTimeout * 1_000_000L);
            if (done) ThrowIfUnsuccessful(aggregate: true);
            return done;
        }

        public bool Wait(TimeSpan timeout) => Wait(CancellationTokenSource.ToMilliseconds(timeout, nameof(timeout)));

        // --- completion (used by builders, TaskCompletionSource, combinators) ---

        internal bool TrySetResult()
        {
            if (IsCompleted) return false;
            _status = TaskStatus.RanToCompletion;
            RunContinuations();
            return true;
        }

        internal bool TrySetException(Exception exception)
        {
            if (exception is null) throw new ArgumentNullException(nameof(exception));
            if (IsCompleted) return false;
            _exceptions = new List<Exception> { exception };
            _status = TaskStatus.Faulted;
            RunContinuations();
            return true;
        }

        internal bool TrySetException(IEnumerable<Exception> exceptions)
        {
            if (exceptions is null) throw new ArgumentNullException(nameof(exceptions));
            if (IsCompleted) return false;
            var list = new List<Exception>(exceptions);
            if (list.Count == 0) throw new ArgumentException("The exceptions collection was empty.", nameof(exceptions));
            _exceptions = list;
            _status = TaskStatus.Faulted;
            RunContinuations();
            return true;
        }

        internal bool TrySetCanceled(CancellationToken token, OperationCanceledException? cause = null)
        {
            if (IsCompleted) return false;
            _cancellationToken = token;
            _cancellation = cause;
            _status = TaskStatus.Canceled;
            RunContinuations();
            return true;
        }

        // An await continuation: the awaiter saw the task pending. If it completed meanwhile the
        // continuation is posted, never run on the awaiting stack (as .NET does).
        internal void AddAwaitContinuation(Action continuation)
        {
            if (continuation is null) throw new ArgumentNullException(nameof(continuation));
            if (IsCompleted) TaskLoop.Post(continuation);
            else AddContinuation(continuation);
        }

        // A completion callback of a combinator (WhenAll, WhenAny, Delay...): inline, even if the
        // task is already complete, so combinators of completed tasks complete synchronously.
        internal void OnCompletedInline(Action callback)
        {
            if (IsCompleted) callback();
            else AddContinuation(callback);
        }

        private void AddContinuation(Action continuation)
        {
            if (_continuations is null) _continuations = continuation;
            else if (_continuations is List<Action> list) list.Add(continuation);
            else _continuations = new List<Action> { (Action)_continuations, continuation };
        }

        private void RunContinuations()
        {
            object? continuations = _continuations;
            _continuations = null;
            if (continuations is null) return;
            if (continuations is Action single)
            {
                RunContinuation(single);
                return;
            }
            foreach (Action continuation in (List<Action>)continuations) RunContinuation(continuation);
        }

        private void RunContinuation(Action continuation)
        {
            if (_continueAsynchronously) TaskLoop.Post(continuation);
            else TaskLoop.RunInline(continuation);
        }

        // --- results ---

        // What `await` does after completion: nothing, or throw what .NET's GetResult throws.
        internal void GetResultCore()
        {
            if (!IsCompleted) TaskLoop.RunUntilCompleted(this);
            ThrowIfUnsuccessful(aggregate: false);
        }

        internal void ThrowIfUnsuccessful(bool aggregate)
        {
            if (_status == TaskStatus.Faulted)
            {
                if (aggregate) throw Exception!;
                throw _exceptions![0];
            }
            if (_status == TaskStatus.Canceled)
            {
                Exception canceled = _cancellation ?? new TaskCanceledException(this);
                if (aggregate) throw new AggregateException(canceled);
                throw canceled;
            }
        }
    }

    [Flags]
    public enum ConfigureAwaitOptions
    {
        None = 0,
        ContinueOnCapturedContext = 1,
        SuppressThrowing = 2,
        ForceYielding = 4,
    }
}
