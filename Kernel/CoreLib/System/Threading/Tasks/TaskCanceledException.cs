namespace System.Threading.Tasks
{
    public class TaskCanceledException : OperationCanceledException
    {
        public TaskCanceledException() : base("A task was canceled.") { }
        public TaskCanceledException(string? message) : base(message) { }
        public TaskCanceledException(string? message, Exception? innerException) : base(message, innerException) { }
        public TaskCanceledException(string? message, Exception? innerException, CancellationToken token) : base(message, innerException, token) { }

        public TaskCanceledException(Task? task) : base("A task was canceled.", task is null ? default : task.CancellationTokenForException)
        {
            Task = task;
        }

        public Task? Task { get; }

        public override string TypeName => "System.Threading.Tasks.TaskCanceledException";
    }
}
