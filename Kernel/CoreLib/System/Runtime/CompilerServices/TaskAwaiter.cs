using System.Threading.Tasks;

namespace System.Runtime.CompilerServices
{
    public readonly struct TaskAwaiter : ICriticalNotifyCompletion
    {
        private readonly Task _task;

        internal TaskAwaiter(Task task) { _task = task; }

        public bool IsCompleted => _task.IsCompleted;

        public void OnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

        public void UnsafeOnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

        // Outside an async method this waits (pumping the guest's loop): a program's async main
        // can be run with Main().GetAwaiter().GetResult() on both .NET and the guest.
        public void GetResult() => _task.GetResultCore();
    }

    public readonly struct TaskAwaiter<TResult> : ICriticalNotifyCompletion
    {
        private readonly Task<TResult> _task;

        internal TaskAwaiter(Task<TResult> task) { _task = task; }

        public bool IsCompleted => _task.IsCompleted;

        public void OnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

        public void UnsafeOnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

        public TResult GetResult() => _task.GetResultOfAwait();
    }

    // One thread and no SynchronizationContext: ConfigureAwait changes nothing but SuppressThrowing.
    public readonly struct ConfiguredTaskAwaitable
    {
        private readonly ConfiguredTaskAwaiter _awaiter;

        internal ConfiguredTaskAwaitable(Task task, bool suppressThrowing) { _awaiter = new ConfiguredTaskAwaiter(task, suppressThrowing); }

        public ConfiguredTaskAwaiter GetAwaiter() => _awaiter;

        public readonly struct ConfiguredTaskAwaiter : ICriticalNotifyCompletion
        {
            private readonly Task _task;
            private readonly bool _suppressThrowing;

            internal ConfiguredTaskAwaiter(Task task, bool suppressThrowing)
            {
                _task = task;
                _suppressThrowing = suppressThrowing;
            }

            public bool IsCompleted => _task.IsCompleted;

            public void OnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

            public void UnsafeOnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

            public void GetResult()
            {
                if (_suppressThrowing) TaskLoop.RunUntilCompleted(_task);
                else _task.GetResultCore();
            }
        }
    }

    public readonly struct ConfiguredTaskAwaitable<TResult>
    {
        private readonly ConfiguredTaskAwaiter _awaiter;

        internal ConfiguredTaskAwaitable(Task<TResult> task) { _awaiter = new ConfiguredTaskAwaiter(task); }

        public ConfiguredTaskAwaiter GetAwaiter() => _awaiter;

        public readonly struct ConfiguredTaskAwaiter : ICriticalNotifyCompletion
        {
            private readonly Task<TResult> _task;

            internal ConfiguredTaskAwaiter(Task<TResult> task) { _task = task; }

            public bool IsCompleted => _task.IsCompleted;

            public void OnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

            public void UnsafeOnCompleted(Action continuation) => _task.AddAwaitContinuation(continuation);

            public TResult GetResult() => _task.GetResultOfAwait();
        }
    }

    // Task.Yield(): the rest of the method is posted behind the work already queued on the loop.
    public readonly struct YieldAwaitable
    {
        public YieldAwaiter GetAwaiter() => default;

        public readonly struct YieldAwaiter : ICriticalNotifyCompletion
        {
            public bool IsCompleted => false;

            public void OnCompleted(Action continuation) => TaskLoop.Post(continuation);

            public void UnsafeOnCompleted(Action continuation) => TaskLoop.Post(continuation);

            public void GetResult() { }
        }
    }
}
