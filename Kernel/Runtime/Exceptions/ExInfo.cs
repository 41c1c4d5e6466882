using System.Runtime.InteropServices;

namespace Kernel.Runtime.Exceptions
{
    // One exception being dispatched. Lives in the dispatcher's frame and is linked from
    // ExceptionDispatcher.s_active while the dispatcher runs a funclet for it, so that a throw
    // inside that funclet can find the funclet's parent frame, and `throw;` its exception.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct ExInfo
    {
        public ExInfo* Previous;
        public object Exception;
        public ExceptionContext FrameContext; // the frame whose funclet is running
        public int ClauseIndex;               // the clause whose funclet (or filter) is running
        public bool FrameExact;
        public bool InCatch;
    }
}
