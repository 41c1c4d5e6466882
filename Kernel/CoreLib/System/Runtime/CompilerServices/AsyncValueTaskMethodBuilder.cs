using System.Threading.Tasks;

namespace System.Runtime.CompilerServices
{
    // `async ValueTask`: a method that completes without suspending returns a ValueTask holding
    // its result and allocates nothing; one that suspends is backed by a Task.
    public struct AsyncValueTaskMethodBuilder
    {
        private Task? _task;
        private object? _box;

        public static AsyncValueTaskMethodBuilder Create() => default;

        public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
            => AsyncMethodBuilderCore.Start(ref stateMachine);

        public void SetStateMachine(IAsyncStateMachine stateMachine)
        {
            if (stateMachine is null) throw new ArgumentNullException(nameof(stateMachine));
        }

        public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
            where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine
        {
            _task ??= new Task();
            awaiter.OnCompleted(AsyncMethodBuilderCore.MoveNextFor(ref _box, ref stateMachine));
        }

        public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
            where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine
        {
            _task ??= new Task();
            awaiter.UnsafeOnCompleted(AsyncMethodBuilderCore.MoveNextFor(ref _box, ref stateMachine));
        }

        public ValueTask Task => _task is null ? default : new ValueTask(_task);

        public void SetResult() => _task?.TrySetResult();

        public void SetException(Exception exception) => AsyncMethodBuilderCore.Fail(_task ??= new Task(), exception);
    }

    public struct AsyncValueTaskMethodBuilder<TResult>
    {
        private Task<TResult>? _task;
        private object? _box;
        private TResult _result;

        public static AsyncValueTaskMethodBuilder<TResult> Create() => default;

        public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
            => AsyncMethodBuilderCore.Start(ref stateMachine);

        public void SetStateMachine(IAsyncStateMachine stateMachine)
        {
            if (stateMachine is null) throw new ArgumentNullException(nameof(stateMachine));
        }

        public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
            where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine
        {
            _task ??= new Task<TResult>();
            awaiter.OnCompleted(AsyncMethodBuilderCore.MoveNextFor(ref _box, ref stateMachine));
        }

        public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
            where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine
        {
            _task ??= new Task<TResult>();
            awaiter.UnsafeOnCompleted(AsyncMethodBuilderCore.MoveNextFor(ref _box, ref stateMachine));
        }

        public ValueTask<TResult> Task => _task is null ? new ValueTask<TResult>(_result) : new ValueTask<TResult>(_task);

        public void SetResult(TResult result)
        {
            if (_task is null) _result = result;
            else _task.TrySetResult(result);
        }

        public void SetException(Exception exception) => AsyncMethodBuilderCore.Fail(_task ??= new Task<TResult>(), exception);
    }
}
