using System;

namespace Kernel.Runtime.Exceptions
{
    // No frame catches: the VM ends with the exception's type and message, the method that threw
    // and the stack at the throw, frame by frame as the unwinder sees it (handlers shown as the
    // method they belong to), then the exit status for the exception's class (ExitCodes).
    internal static unsafe class UnhandledException
    {
        private const int MaxFrames = 32;

        internal static void Report(object thrown, ExceptionContext* context, bool exact, ExInfo* funcletOwners)
        {
            var exception = thrown as Exception;
            Panic.Begin();
            SerialConsole.Write("unhandled exception ");
            SerialConsole.Write(exception?.TypeName ?? "(not an Exception)");
            SerialConsole.Write(": ");
            SerialConsole.WriteLine(exception?.Message ?? "");
            SerialConsole.Write("thrown in ");
            Symbols.WriteName(context->Rip);
            SerialConsole.Write("\n");
            SerialConsole.WriteLine("backtrace:");
            var walker = new FrameWalker(context, exact, funcletOwners);
            int frames = 0;
            nint last = context->Rip;
            for (; walker.Valid; walker.Next())
            {
                if (++frames > MaxFrames)
                {
                    SerialConsole.WriteLine("  ...");
                    break;
                }
                WriteFrame(walker.Context.Rip);
                last = walker.Context.Rip;
            }
            // The first frame without unwind information (the boot stub, an interrupt entry).
            if (frames <= MaxFrames && walker.Context.Rip != last && Panic.IsCode(walker.Context.Rip)) WriteFrame(walker.Context.Rip);
            Native.Exit(Panic.ExitCodeFor(exception));
        }

        private static void WriteFrame(nint address)
        {
            SerialConsole.Write("  at ");
            SerialConsole.WriteHex((ulong)address);
            SerialConsole.Write(" ");
            Symbols.WriteName(address);
            SerialConsole.Write("\n");
        }
    }
}
