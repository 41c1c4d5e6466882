using System.Threading.Tasks;

namespace System.Runtime.CompilerServices
{
    // The builder csc uses for `async Task` methods. A method that never awaits anything pending
    // completes with the shared Task.CompletedTask and allocates nothing.
    public struct AsyncTaskMethodBuilder
    {
        private Task? _task;
        private object? _box;

        public static AsyncTaskMethodBuilder Create() => default;

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

        public Task Task => _task ??= new Task();

        public void SetResult()
        {
            if (_task is null) _task = Task.CompletedTask;
            else _task.TrySetResult();
        }

        public void SetException(Exception exception) => AsyncMethodBuilderCore.Fail(_task ??= new Task(), exception);
    }

    public struct AsyncTaskMethodBuilder<TResult>
    {
        private Task<TResult>? _task;
        private object? _box;

        public static AsyncTaskMethodBuilder<TResult> Create() => default;

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

        public Task<TResult> Task => _task ??= new Task<TResult>();

        public void SetResult(TResult result)
        {
            if (_task is null) _task = Threading.Tasks.Task.FromResult(result);
            else _task.TrySetResult(result);
        }

        public void SetException(Exception exception) => AsyncMethodBuilderCore.Fail(_task ??= new Task<TResult>(), exception);
    }
}
