using System.Runtime.InteropServices;

namespace Kernel.Runtime
{
    // What isr_common in boot.asm leaves on the stack: the general registers it pushed (r15 last,
    // so first here), the vector and error code, then the CPU's own interrupt frame.
    [StructLayout(LayoutKind.Sequential)]
    internal struct InterruptFrame
    {
        public ulong R15, R14, R13, R12, R11, R10, R9, R8, Rbp, Rdi, Rsi, Rdx, Rcx, Rbx, Rax;
        public ulong Vector, ErrorCode;
        public ulong Rip, Cs, Rflags, Rsp, Ss;
    }
}
