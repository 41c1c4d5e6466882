using System.Runtime.CompilerServices;

namespace System.Threading.Tasks
{
    public class Task<TResult> : Task
    {
        private TResult _result = default!;

        internal Task() { }

        internal Task(TaskCreationOptions options) : base(options) { }

        internal Task(TResult result) : base(TaskStatus.RanToCompletion) { _result = result; }

        // Blocks (pumping the guest's loop) until the task completes, as on .NET.
        public TResult Result
        {
            get
            {
                if (!IsCompleted) Wait();
                ThrowIfUnsuccessful(aggregate: true);
                return _result;
            }
        }

        public new TaskAwaiter<TResult> GetAwaiter() => new TaskAwaiter<TResult>(this);

        public new ConfiguredTaskAwaitable<TResult> ConfigureAwait(bool continueOnCapturedContext) => new ConfiguredTaskAwaitable<TResult>(this);

        internal bool TrySetResult(TResult result)
        {
            if (IsCompleted) return false;
            _result = result;
            return TrySetResult();
        }

        internal TResult GetResultOfAwait()
        {
            GetResultCore();
            return _result;
        }
    }
}
