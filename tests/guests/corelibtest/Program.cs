using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace CoreLibTest
{
    public static class Program
    {
        // Prints the conformance checks (compared with .NET by tests/CoreLib.Tests). Kernel command
        // line: `bench` prints throughput figures instead; `throw=<case>` lets the core library
        // throw, so a test can read the panic naming the exception.
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            string? throwCase = CommandLine.Get("throw");
            if (throwCase is not null) Throw(throwCase);
            else if (CommandLine.Get("bench") is not null) Microbench.Run(() => Clock.Nanoseconds, () => Heap.Statistics.AllocatedBytes, SerialConsole.WriteLine);
            else Checks.Run(SerialConsole.WriteLine);
        }

        private static void Throw(string which)
        {
            switch (which)
            {
                case "key":
                    var ports = new Dictionary<string, int> { ["http"] = 80 };
                    SerialConsole.WriteLine("port " + ports["gopher"]);
                    break;
                case "parse":
                    SerialConsole.WriteLine("value " + int.Parse("12x"));
                    break;
                case "argument":
                    SerialConsole.WriteLine("text " + "abc".Substring(2, 5));
                    break;
                case "queue":
                    SerialConsole.WriteLine("item " + new Queue<int>().Dequeue());
                    break;
                default:
                    throw new InvalidOperationException("unknown throw case '" + which + "': use key, parse, argument or queue");
            }
        }
    }
}
