using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace EhTest
{
    public static class Program
    {
        // Prints the exception checks (compared with .NET by tests/Kernel.Tests ExceptionTests).
        // Kernel command line: `stress=N` throws and catches N exceptions with allocation and prints
        // heap statistics before and after; `unhandled=throw|null|null-filter` lets an exception escape to show the report.
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            string? stress = CommandLine.Get("stress");
            if (stress is not null) Stress.Run(int.Parse(stress));
            else if (CommandLine.Get("unhandled") is string which) Unhandled.Run(which);
            else Checks.Run(SerialConsole.WriteLine);
        }
    }
}
