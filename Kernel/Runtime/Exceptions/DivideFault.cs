namespace Kernel.Runtime.Exceptions
{
    // The CPU raises #DE both for a zero divisor and for MinValue / -1 (the quotient does not
    // fit); .NET throws DivideByZeroException for the first and OverflowException for the
    // second. Tell them apart from the faulting idiv: its dividend is in rax/eax and, when the
    // divisor is a register, that register says which case it is.
    internal static unsafe class DivideFault
    {
        internal static int Classify(InterruptFrame* f)
        {
            byte* ip = (byte*)f->Rip;
            if (!Panic.IsCode((nint)ip)) return ExceptionDispatcher.FaultDivideByZero;
            int rex = 0;
            if (*ip >= 0x40 && *ip <= 0x4F) rex = *ip++;
            if (*ip != 0xF7) return ExceptionDispatcher.FaultDivideByZero;
            byte modrm = ip[1];
            if (((modrm >> 3) & 7) != 7) return ExceptionDispatcher.FaultDivideByZero; // div: unsigned, only a zero divisor faults
            bool wide = (rex & 8) != 0;
            bool minValue = wide ? (long)f->Rax == long.MinValue : (int)(uint)f->Rax == int.MinValue;
            if (!minValue) return ExceptionDispatcher.FaultDivideByZero;
            if ((modrm >> 6) != 3) return ExceptionDispatcher.FaultOverflow; // divisor in memory: MinValue / 0 is the rarer case
            ulong divisor = Register(f, (modrm & 7) | ((rex & 1) << 3));
            bool minusOne = wide ? (long)divisor == -1 : (int)(uint)divisor == -1;
            return minusOne ? ExceptionDispatcher.FaultOverflow : ExceptionDispatcher.FaultDivideByZero;
        }

        private static ulong Register(InterruptFrame* f, int index) => index switch
        {
            0 => f->Rax, 1 => f->Rcx, 2 => f->Rdx, 3 => f->Rbx, 4 => f->Rsp, 5 => f->Rbp, 6 => f->Rsi, 7 => f->Rdi,
            8 => f->R8, 9 => f->R9, 10 => f->R10, 11 => f->R11, 12 => f->R12, 13 => f->R13, 14 => f->R14, _ => f->R15,
        };
    }
}
