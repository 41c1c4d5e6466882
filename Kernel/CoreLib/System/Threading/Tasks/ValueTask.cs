using System.Runtime.CompilerServices;

namespace System.Threading.Tasks
{
    // A result that is often ready at once: either the value itself (no allocation) or a Task.
    [AsyncMethodBuilder(typeof(AsyncValueTaskMethodBuilder))]
    public readonly struct ValueTask : IEquatable<ValueTask>
    {
        private readonly Task? _task;

        public ValueTask(Task task) { _task = task ?? throw new ArgumentNullException(nameof(task)); }

        public static ValueTask CompletedTask => default;

        public static ValueTask<TResult> FromResult<TResult>(TResult result) => new ValueTask<TResult>(result);

        public static ValueTask FromException(Exception exception) => new ValueTask(Task.FromException(exception));

        public static ValueTask FromCanceled(CancellationToken cancellationToken) => new ValueTask(Task.FromCanceled(cancellationToken));

        internal Task? TaskOrNull => _task;

        public bool IsCompleted => _task is null || _task.IsCompleted;

        public bool IsCompletedSuccessfully => _task is null || _task.IsCompletedSuccessfully;

        public bool IsFaulted => _task is not null && _task.IsFaulted;

        public bool IsCanceled => _task is not null && _task.IsCanceled;

        public Task AsTask() => _task ?? Task.CompletedTask;

        public ValueTask Preserve() => this;

        public ValueTaskAwaiter GetAwaiter() => new ValueTaskAwaiter(this);

        public ConfiguredValueTaskAwaitable ConfigureAwait(bool continueOnCapturedContext) => new ConfiguredValueTaskAwaitable(this);

        public bool Equals(ValueTask other) => ReferenceEquals(_task, other._task);

        public override bool Equals(object? obj) => obj is ValueTask other && Equals(other);

        public override int GetHashCode() => _task is null ? 0 : _task.GetHashCode();

        public static bool operator ==(ValueTask left, ValueTask right) => left.Equals(right);

        public static bool operator !=(ValueTask left, ValueTask right) => !left.Equals(right);
    }

    [AsyncMethodBuilder(typeof(AsyncValueTaskMethodBuilder<>))]
    public readonly struct ValueTask<TResult> : IEquatable<ValueTask<TResult>>
    {
        private readonly Task<TResult>? _task;
        private readonly TResult _result;

        public ValueTask(TResult result)
        {
            _task = null;
            _result = result;
        }

        public ValueTask(Task<TResult> task)
        {
            _task = task ?? throw new ArgumentNullException(nameof(task));
            _result = default!;
        }

        public bool IsCompleted => _task is null || _task.IsCompleted;

        public bool IsCompletedSuccessfully => _task is null || _task.IsCompletedSuccessfully;

        public bool IsFaulted => _task is not null && _task.IsFaulted;

        public bool IsCanceled => _task is not null && _task.IsCanceled;

        // As ValueTask on .NET: waiting on a pending one pumps (here: the guest's loop).
        public TResult Result => _task is null ? _result : _task.GetResultOfAwait();

        public Task<TResult> AsTask() => _task ?? Task.FromResult(_result);

        public ValueTask<TResult> Preserve() => this;

        public ValueTaskAwaiter<TResult> GetAwaiter() => new ValueTaskAwaiter<TResult>(this);

        public ConfiguredValueTaskAwaitable<TResult> ConfigureAwait(bool continueOnCapturedContext) => new ConfiguredValueTaskAwaitable<TResult>(this);

        public bool Equals(ValueTask<TResult> other)
            => _task is not null || other._task is not null
                ? ReferenceEquals(_task, other._task)
                : Collections.Generic.EqualityComparer<TResult>.Default.Equals(_result, other._result);

        public override bool Equals(object? obj) => obj is ValueTask<TResult> other && Equals(other);

        public override int GetHashCode() => _task is not null ? _task.GetHashCode() : _result is null ? 0 : _result.GetHashCode();

        public override string? ToString()
        {
            if (_task is null) return _result?.ToString();
            return _task.IsCompletedSuccessfully ? _task.GetResultOfAwait()?.ToString() : "";
        }

        public static bool operator ==(ValueTask<TResult> left, ValueTask<TResult> right) => left.Equals(right);

        public static bool operator !=(ValueTask<TResult> left, ValueTask<TResult> right) => !left.Equals(right);
    }
}
