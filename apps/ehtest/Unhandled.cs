using System;
using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace EhTest
{
    // An exception no frame catches (a catch of another type and a finally on the way): the VM
    // must end with the type, message and a backtrace naming these methods, and finally blocks
    // must not run (no handler, so no second pass), as on .NET.
    internal static class Unhandled
    {
        internal static void Run()
        {
            try
            {
                Configure();
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
    }
}
