using System;
using System.Runtime;

namespace Kernel.Runtime
{
    public static class ExitCodes
    {
        public const uint Success = 0;
        public const uint Panic = 3;
        public const uint UnhandledException = 4;
    }

    public static unsafe class Panic
    {
        public static void Fail(string message)
        {
            SerialConsole.Write("\nPANIC: ");
            SerialConsole.WriteLine(message);
            Native.Exit(ExitCodes.Panic);
        }

        // Until the unwinder exists (issue 9) every throw is fatal: name the type and message.
        [RuntimeExport("RhpThrowEx")]
        private static void ThrowEx(Exception ex)
        {
            SerialConsole.Write("\nPANIC: unhandled exception ");
            SerialConsole.Write(ex.TypeName);
            SerialConsole.Write(": ");
            SerialConsole.WriteLine(ex.Message);
            Native.Exit(ExitCodes.UnhandledException);
        }

        [RuntimeExport("RhpPInvoke")] private static void PInvoke(nint frame) { }
        [RuntimeExport("RhpPInvokeReturn")] private static void PInvokeReturn(nint frame) { }
        [RuntimeExport("RhpReversePInvoke")] private static void ReversePInvoke(nint frame) { }
        [RuntimeExport("RhpReversePInvokeReturn")] private static void ReversePInvokeReturn(nint frame) { }
    }
}
