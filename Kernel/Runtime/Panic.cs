using System;
using System.Runtime;

namespace Kernel.Runtime
{
    // Fatal errors: say what happened and where (a return-address backtrace), then power off with
    // an exit status that names the class of failure.
    public static unsafe class Panic
    {
        private const int MaxFrames = 24;
        private static bool s_panicking;

        public static void Fail(string message) => Fail(message, ExitCodes.Panic);

        public static void Fail(string message, uint exitCode)
        {
            Begin();
            SerialConsole.WriteLine(message);
            Backtrace(Native.FramePointer(), 0);
            Native.Exit(exitCode);
        }

        // RhpThrowEx is in Boot/boot.asm: Exceptions/ExceptionDispatcher catches or reports.
        internal static uint ExitCodeFor(Exception? ex) => ex switch
        {
            NullReferenceException => ExitCodes.NullReference,
            DivideByZeroException => ExitCodes.DivideByZero,
            OutOfMemoryException => ExitCodes.OutOfMemory,
            _ => ExitCodes.UnhandledException,
        };

        // A panic while panicking (a fault in the printing code) must not recurse forever.
        internal static void Begin()
        {
            if (s_panicking)
            {
                SerialConsole.WriteLine("\nPANIC while panicking");
                Native.Exit(ExitCodes.Panic);
            }
            s_panicking = true;
            SerialConsole.Write("\nPANIC: ");
        }

        // Scans the stack upward from `stackPointer` for return addresses: words that point into
        // the code right after a call instruction. Unlike an rbp walk this also finds callers that
        // keep no frame pointer; a stale return address left in a dead frame can show up as an
        // extra line. Each line names the method from the image's symbol table.
        internal static void Backtrace(nint stackPointer, nint faultingIp)
        {
            SerialConsole.WriteLine("backtrace:");
            if (faultingIp != 0) WriteFrame(faultingIp);
            nint p = (stackPointer + 7) & ~(nint)7;
            nint stackHigh = Native.StackTop();
            nint stackLow = Native.StackGuard() + PhysicalMemory.PageSize; // the guard page itself is unmapped
            if (p >= Native.StackGuard() && p < stackLow) p = stackLow; // overflowed: rsp is in the guard page
            if (p >= Native.InterruptStack() && p < Native.InterruptStack() + Native.InterruptStackSize)
            {
                SerialConsole.WriteLine("  (in an interrupt handler)");
                stackLow = Native.InterruptStack();
                stackHigh = stackLow + Native.InterruptStackSize;
            }
            else if (p >= Native.ExceptionStack() && p < Native.ExceptionStack() + Native.InterruptStackSize)
            {
                stackLow = Native.ExceptionStack();
                stackHigh = stackLow + Native.InterruptStackSize;
            }
            if (p < stackLow || p >= stackHigh) return; // not on a stack we know
            int frames = 0;
            for (; p + 8 <= stackHigh; p += 8)
            {
                nint candidate = *(nint*)p;
                if (!IsReturnAddress(candidate)) continue;
                if (++frames > MaxFrames)
                {
                    SerialConsole.WriteLine("  ...");
                    return;
                }
                WriteFrame(candidate);
            }
        }

        private static bool IsReturnAddress(nint address)
        {
            if (!IsCode(address) || address - 7 < Native.TextStart()) return false;
            byte* a = (byte*)address;
            if (a[-5] == 0xE8) return true; // call rel32
            // call r/m64: FF /2 with a 0-, 1-, 4- or 5-byte operand after the ModRM byte.
            return IsIndirectCall(a - 2) || IsIndirectCall(a - 3) || IsIndirectCall(a - 6) || IsIndirectCall(a - 7);
        }

        private static bool IsIndirectCall(byte* instruction) => instruction[0] == 0xFF && ((instruction[1] >> 3) & 7) == 2;

        internal static bool IsCode(nint address) => address >= Native.TextStart() && address < Native.TextEnd();

        private static void WriteFrame(nint address)
        {
            SerialConsole.Write("  at ");
            SerialConsole.WriteHex((ulong)address);
            SerialConsole.Write(" ");
            Symbols.WriteName(address);
            SerialConsole.Write("\n");
        }

        // Generated code's fail-fast (e.g. a stack buffer overrun clobbered the GS cookie).
        [RuntimeExport("RhpFallbackFailFast")]
        private static void FallbackFailFast() => Fail("fail-fast: the generated code found corrupted state (for example a stack buffer overrun)");

        [RuntimeExport("RhpPInvoke")] private static void PInvoke(nint frame) { }
        [RuntimeExport("RhpPInvokeReturn")] private static void PInvokeReturn(nint frame) { }
        [RuntimeExport("RhpReversePInvoke")] private static void ReversePInvoke(nint frame) { }
        [RuntimeExport("RhpReversePInvokeReturn")] private static void ReversePInvokeReturn(nint frame) { }
    }
}
