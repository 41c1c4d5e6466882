using System.Runtime.InteropServices;

namespace Kernel.Runtime.Exceptions
{
    // The registers that survive a call (SysV x64) plus where a frame is: what the throw stubs in
    // Boot/boot.asm capture and kern_resume_at restores, in that order.
    [StructLayout(LayoutKind.Sequential)]
    internal struct ExceptionContext
    {
        public nint Rip, Rsp, Rbp, Rbx, R12, R13, R14, R15;
    }
}
