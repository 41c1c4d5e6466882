namespace Kernel.Runtime
{
    // Vectors 0-31. A null dereference or division by zero inside a try that can catch it becomes
    // a managed exception; every other CPU exception is fatal: print what the CPU reported, classify it
    // (null dereference, stack overflow, division by zero, other) and power off.
    internal static unsafe class CpuException
    {
        private const int DivideError = 0, PageFault = 14;
        private const nint NullPageLimit = 4096;

        internal static void Handle(InterruptFrame* f)
        {
            nint cr2 = f->Vector == PageFault ? Native.Cr2() : 0;
            // A null dereference or division by zero that managed code may catch is raised as
            // NullReferenceException / DivideByZeroException (OverflowException for MinValue / -1)
            // at the faulting instruction.
            if (f->Vector == DivideError && Exceptions.ExceptionDispatcher.TryRaiseFromFault(f, Exceptions.DivideFault.Classify(f))) return;
            if (f->Vector == PageFault && cr2 >= 0 && cr2 < NullPageLimit && Exceptions.ExceptionDispatcher.TryRaiseFromFault(f, Exceptions.ExceptionDispatcher.FaultNullReference)) return;
            uint code = Classify(f, cr2, out string what);
            Panic.Begin();
            SerialConsole.Write(what);
            SerialConsole.Write(" (CPU exception ");
            SerialConsole.WriteDecimal(f->Vector);
            SerialConsole.Write(" ");
            SerialConsole.Write(Name((int)f->Vector));
            SerialConsole.WriteLine(")");
            Field("error code", f->ErrorCode);
            Field("rip", f->Rip);
            Field("cr2", (ulong)cr2);
            Field("rsp", f->Rsp);
            Field("rbp", f->Rbp);
            Field("rax", f->Rax);
            Field("rdi", f->Rdi);
            Field("rsi", f->Rsi);
            Panic.Backtrace((nint)f->Rsp, (nint)f->Rip);
            Native.Exit(code);
        }

        private static uint Classify(InterruptFrame* f, nint cr2, out string what)
        {
            if (f->Vector == DivideError)
            {
                what = "division by zero";
                return ExitCodes.DivideByZero;
            }
            if (f->Vector == PageFault)
            {
                nint guard = Native.StackGuard();
                if (cr2 >= guard && cr2 < guard + PhysicalMemory.PageSize)
                {
                    what = "stack overflow";
                    return ExitCodes.StackOverflow;
                }
                if (cr2 >= 0 && cr2 < NullPageLimit)
                {
                    what = "null reference";
                    return ExitCodes.NullReference;
                }
                what = "page fault";
                return ExitCodes.CpuException;
            }
            what = "CPU exception";
            return ExitCodes.CpuException;
        }

        private static void Field(string name, ulong value)
        {
            SerialConsole.Write("  ");
            SerialConsole.Write(name);
            SerialConsole.Write(" = ");
            SerialConsole.WriteHex(value);
            SerialConsole.Write("\n");
        }

        private static string Name(int vector) => vector switch
        {
            0 => "#DE divide error",
            1 => "#DB debug",
            2 => "NMI",
            3 => "#BP breakpoint",
            4 => "#OF overflow",
            5 => "#BR bound range",
            6 => "#UD invalid opcode",
            7 => "#NM device not available",
            8 => "#DF double fault",
            10 => "#TS invalid TSS",
            11 => "#NP segment not present",
            12 => "#SS stack fault",
            13 => "#GP general protection",
            14 => "#PF page fault",
            16 => "#MF x87 error",
            17 => "#AC alignment check",
            18 => "#MC machine check",
            19 => "#XM SIMD exception",
            20 => "#VE virtualization",
            21 => "#CP control protection",
            _ => "reserved",
        };
    }
}
