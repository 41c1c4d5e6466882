using System.Collections.Generic;

namespace System.Threading.Tasks
{
    // The producer side of a Task. Completing it runs the task's await continuations inline on the
    // caller's stack unless RunContinuationsAsynchronously was given (then they are posted).
    public class TaskCompletionSource
    {
        public TaskCompletionSource() { Task = new Task(); }

        public TaskCompletionSource(TaskCreationOptions creationOptions) { Task = new Task(creationOptions); }

        public TaskCompletionSource(object? state) : this() { }

        public Task Task { get; }

        public void SetResult()
        {
            if (!TrySetResult()) throw AlreadyCompleted();
        }

        public bool TrySetResult() => Task.TrySetResult();

        public void SetException(Exception exception)
        {
            if (!TrySetException(exception)) throw AlreadyCompleted();
        }

        public bool TrySetException(Exception exception) => Task.TrySetException(exception);

        public void SetException(IEnumerable<Exception> exceptions)
        {
            if (!TrySetException(exceptions)) throw AlreadyCompleted();
        }

        public bool TrySetException(IEnumerable<Exception> exceptions) => Task.TrySetException(exceptions);

        public void SetCanceled() => SetCanceled(default);

        public void SetCanceled(CancellationToken cancellationToken)
        {
            if (!TrySetCanceled(cancellationToken)) throw AlreadyCompleted();
        }

        public bool TrySetCanceled() => TrySetCanceled(default);

        public bool TrySetCanceled(CancellationToken cancellationToken) => Task.TrySetCanceled(cancellationToken);

        internal static InvalidOperationException AlreadyCompleted()
            => new InvalidOperationException("An attempt was made to transition a task to a final state when it had already completed.");
    }

    public class TaskCompletionSource<TResult>
    {
        public TaskCompletionSource() { Task = new Task<TResult>(); }

        public TaskCompletionSource(TaskCreationOptions creationOptions) { Task = new Task<TResult>(creationOptions); }

        public TaskCompletionSource(object? state) : this() { }

        public Task<TResult> Task { get; }

        public void SetResult(TResult result)
        {
            if (!TrySetResult(result)) throw TaskCompletionSource.AlreadyCompleted();
        }

        public bool TrySetResult(TResult result) => Task.TrySetResult(result);

        public void SetException(Exception exception)
        {
            if (!TrySetException(exception)) throw TaskCompletionSource.AlreadyCompleted();
        }

        public bool TrySetException(Exception exception) => Task.TrySetException(exception);

        public void SetException(IEnumerable<Exception> exceptions)
        {
            if (!TrySetException(exceptions)) throw TaskCompletionSource.AlreadyCompleted();
        }

        public bool TrySetException(IEnumerable<Exception> exceptions) => Task.TrySetException(exceptions);

        public void SetCanceled() => SetCanceled(default);

        public void SetCanceled(CancellationToken cancellationToken)
        {
            if (!TrySetCanceled(cancellationToken)) throw TaskCompletionSource.AlreadyCompleted();
        }

        public bool TrySetCanceled() => TrySetCanceled(default);

        public bool TrySetCanceled(CancellationToken cancellationToken) => Task.TrySetCanceled(cancellationToken);
    }
}
