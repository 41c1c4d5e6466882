using System.Threading.Tasks;

namespace System.Runtime.CompilerServices
{
    // `async void`: nobody can observe the outcome, so an exception that escapes is rethrown from
    // the loop, where it ends the program (as .NET crashes the process).
    public struct AsyncVoidMethodBuilder
    {
        private object? _box;

        public static AsyncVoidMethodBuilder Create() => default;

        public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
            => AsyncMethodBuilderCore.Start(ref stateMachine);

        public void SetStateMachine(IAsyncStateMachine stateMachine)
        {
            if (stateMachine is null) throw new ArgumentNullException(nameof(stateMachine));
        }

        public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
            where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine
            => awaiter.OnCompleted(AsyncMethodBuilderCore.MoveNextFor(ref _box, ref stateMachine));

        public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
            where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine
            => awaiter.UnsafeOnCompleted(AsyncMethodBuilderCore.MoveNextFor(ref _box, ref stateMachine));

        public void SetResult() { }

        public void SetException(Exception exception)
        {
            if (exception is null) throw new ArgumentNullException(nameof(exception));
            TaskLoop.Post(() => throw exception);
        }
    }
}
