using System.Threading;

namespace System
{
    public class OperationCanceledException : SystemException
    {
        public OperationCanceledException() : base("The operation was canceled.") { }
        public OperationCanceledException(string? message) : base(message) { }
        public OperationCanceledException(string? message, Exception? innerException) : base(message, innerException) { }
        public OperationCanceledException(CancellationToken token) : this() { CancellationToken = token; }
        public OperationCanceledException(string? message, CancellationToken token) : base(message) { CancellationToken = token; }
        public OperationCanceledException(string? message, Exception? innerException, CancellationToken token) : base(message, innerException) { CancellationToken = token; }

        public CancellationToken CancellationToken { get; }

        public override string TypeName => "System.OperationCanceledException";
    }
}
