using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace Kernel.Net.App
{
    /// <summary>
    /// The producer side of a <see cref="LoopOperation{T}"/>: completed by a service host's event
    /// loop (a readiness callback, a timer). Completing resumes the awaiting method right there, on
    /// the loop, inline: never through a SynchronizationContext captured elsewhere (a .NET test
    /// runner's, say), so app code always runs on the loop's one thread. Reusable: one per
    /// connection direction, so awaiting a read or a write allocates nothing.
    /// </summary>
    public sealed class LoopCompletion<T>
    {
        private Action? _continuation;
        private T _result = default!;
        private bool _completed;
        private int _version;

        /// <summary>Starts a new pending operation (the previous one must have been awaited).</summary>
        public LoopOperation<T> Begin()
        {
            _version++;
            _completed = false;
            _continuation = null;
            _result = default!;
            return new LoopOperation<T>(this, _version);
        }

        public bool IsPending => !_completed && _version != 0;

        public void Complete(T result)
        {
            if (_completed) throw new InvalidOperationException("this operation already completed");
            Action? continuation = _continuation;
            _continuation = null;
            _result = result;
            _completed = true;
            // May start the next operation on this same source before returning: touch nothing after.
            continuation?.Invoke();
        }

        internal bool IsCompleted(int version)
        {
            Check(version);
            return _completed;
        }

        internal void OnCompleted(int version, Action continuation)
        {
            Check(version);
            if (_continuation is not null) throw new InvalidOperationException("an operation can be awaited only once");
            if (_completed) continuation();
            else _continuation = continuation;
        }

        internal T GetResult(int version)
        {
            Check(version);
            if (!_completed) throw new InvalidOperationException("the operation has not completed: await it instead of reading its result");
            return _result;
        }

        private void Check(int version)
        {
            if (version != _version) throw new InvalidOperationException("this operation was already awaited and its source reused");
        }
    }

    /// <summary>An awaitable result of a host operation: either available at once or completed by the host's loop.</summary>
    public readonly struct LoopOperation<T> : ICriticalNotifyCompletion
    {
        private readonly LoopCompletion<T>? _source;
        private readonly int _version;
        private readonly T _result;

        public LoopOperation(T result)
        {
            _source = null;
            _version = 0;
            _result = result;
        }

        internal LoopOperation(LoopCompletion<T> source, int version)
        {
            _source = source;
            _version = version;
            _result = default!;
        }

        public LoopOperation<T> GetAwaiter() => this;

        public bool IsCompleted => _source is null || _source.IsCompleted(_version);

        public void OnCompleted(Action continuation) => Await(continuation);

        public void UnsafeOnCompleted(Action continuation) => Await(continuation);

        public T GetResult() => _source is null ? _result : _source.GetResult(_version);

        /// <summary>As a Task, for combinators (WhenAny with a timeout, say).</summary>
        public async Task<T> AsTask() => await this;

        private void Await(Action continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            if (_source is null) continuation();
            else _source.OnCompleted(_version, continuation);
        }
    }
}
