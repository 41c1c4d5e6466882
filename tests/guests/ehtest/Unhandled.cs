using System;
using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace EhTest
{
    // Exceptions no frame catches, chosen by unhandled= on the command line:
    //   throw        an InvalidOperationException past a catch of another type and a finally: the
    //                VM ends with type, message and a backtrace naming these methods, and the
    //                finally does not run (no handler, so no second pass), as on .NET;
    //   null         a null dereference under a catch that cannot take it: it stays a CPU-fault
    //                panic with the registers;
    //   null-filter  the same under a filter that declines it: raised as NullReferenceException
    //                (a filter might have caught it), then reported as unhandled.
    internal static class Unhandled
    {
        private sealed class Node
        {
            public int Value { get; set; }
        }

        internal static void Run(string which)
        {
            try
            {
                if (which == "null") SerialConsole.WriteLine("value " + Read(null));
                else if (which == "null-filter") ReadUnderFilter();
                else Configure();
            }
            catch (FormatException)
            {
                SerialConsole.WriteLine("unhandled: wrong catch ran");
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Configure()
        {
            try
            {
                ReadPort();
            }
            finally
            {
                SerialConsole.WriteLine("unhandled: finally ran");
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ReadPort() => throw new InvalidOperationException("port 99999 is out of range");

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Read(Node? node) => node!.Value;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ReadUnderFilter()
        {
            try
            {
                SerialConsole.WriteLine("value " + Read(null));
            }
            catch (Exception e) when (e.Message.Length == 0)
            {
                SerialConsole.WriteLine("unhandled: filter caught");
            }
        }
    }
}
