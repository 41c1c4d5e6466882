using System.Threading.Tasks;

namespace System.Runtime.CompilerServices
{
    public readonly struct ValueTaskAwaiter : ICriticalNotifyCompletion
    {
        private readonly ValueTask _value;

        internal ValueTaskAwaiter(ValueTask value) { _value = value; }

        public bool IsCompleted => _value.IsCompleted;

        public void OnCompleted(Action continuation) => _value.AsTask().AddAwaitContinuation(continuation);

        public void UnsafeOnCompleted(Action continuation) => _value.AsTask().AddAwaitContinuation(continuation);

        public void GetResult() => _value.TaskOrNull?.GetResultCore();
    }

    public readonly struct ValueTaskAwaiter<TResult> : ICriticalNotifyCompletion
    {
        private readonly ValueTask<TResult> _value;

        internal ValueTaskAwaiter(ValueTask<TResult> value) { _value = value; }

        public bool IsCompleted => _value.IsCompleted;

        public void OnCompleted(Action continuation) => _value.AsTask().AddAwaitContinuation(continuation);

        public void UnsafeOnCompleted(Action continuation) => _value.AsTask().AddAwaitContinuation(continuation);

        public TResult GetResult() => _value.Result;
    }

    public readonly struct ConfiguredValueTaskAwaitable
    {
        private readonly ValueTask _value;

        internal ConfiguredValueTaskAwaitable(ValueTask value) { _value = value; }

        public ValueTaskAwaiter GetAwaiter() => new ValueTaskAwaiter(_value);
    }

    public readonly struct ConfiguredValueTaskAwaitable<TResult>
    {
        private readonly ValueTask<TResult> _value;

        internal ConfiguredValueTaskAwaitable(ValueTask<TResult> value) { _value = value; }

        public ValueTaskAwaiter<TResult> GetAwaiter() => new ValueTaskAwaiter<TResult>(_value);
    }
}
