using System;
using System.Runtime;

namespace Kernel.Runtime
{
    // Fatal errors: say what happened and where (a return-address backtrace), then power off with
    // an exit status that names the class of failure.
    public static unsafe class Panic
    {
        private const int MaxFrames = 16;
        private static bool s_panicking;

        public static void Fail(string message) => Fail(message, ExitCodes.Panic);

        public static void Fail(string message, uint exitCode)
        {
            Begin();
            SerialConsole.WriteLine(message);
            Backtrace(Native.FramePointer(), 0);
            Native.Exit(exitCode);
        }

        // Until the unwinder exists (issue 9) every throw is fatal: name the type and message.
        [RuntimeExport("RhpThrowEx")]
        private static void ThrowEx(Exception ex)
        {
            Begin();
            SerialConsole.Write("unhandled exception ");
            SerialConsole.Write(ex.TypeName);
            SerialConsole.Write(": ");
            SerialConsole.WriteLine(ex.Message);
            Backtrace(Native.FramePointer(), 0);
            Native.Exit(ExitCodeFor(ex));
        }

        private static uint ExitCodeFor(Exception ex) => ex switch
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

        // Follows the rbp chain (ILCompiler keeps frame pointers on x64 Unix). Each line is a
        // return address; `addr2line -f -e image.elf` or the image's symbol table names it.
        internal static void Backtrace(nint framePointer, nint faultingIp)
        {
            SerialConsole.WriteLine("backtrace:");
            if (faultingIp != 0) WriteFrame(faultingIp);
            nint stackLow = Native.StackGuard();
            nint stackHigh = Native.StackTop();
            nint fp = framePointer;
            for (int i = 0; i < MaxFrames; i++)
            {
                if (fp < stackLow || fp + 16 > stackHigh || (fp & 7) != 0) break;
                nint ret = *(nint*)(fp + 8);
                if (!IsCode(ret)) break;
                WriteFrame(ret);
                nint next = *(nint*)fp;
                if (next <= fp) break;
                fp = next;
            }
        }

        internal static bool IsCode(nint address) => address >= Native.TextStart() && address < Native.TextEnd();

        private static void WriteFrame(nint address)
        {
            SerialConsole.Write("  at ");
            SerialConsole.WriteHex((ulong)address);
            SerialConsole.Write("\n");
        }

        [RuntimeExport("RhpPInvoke")] private static void PInvoke(nint frame) { }
        [RuntimeExport("RhpPInvokeReturn")] private static void PInvokeReturn(nint frame) { }
        [RuntimeExport("RhpReversePInvoke")] private static void ReversePInvoke(nint frame) { }
        [RuntimeExport("RhpReversePInvokeReturn")] private static void ReversePInvokeReturn(nint frame) { }
    }
}
