using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace CoreLibTest
{
    public static class Program
    {
        // Prints the conformance checks (compared with .NET by tests/CoreLib.Tests), or with
        // `bench` on the kernel command line the core library's throughput figures.
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            if (CommandLine.Get("bench") is not null)
                Microbench.Run(() => Clock.Nanoseconds, SerialConsole.WriteLine);
            else
                Checks.Run(SerialConsole.WriteLine);
        }
    }
}
