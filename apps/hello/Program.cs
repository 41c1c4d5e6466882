using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace Hello
{
    public static class Program
    {
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            // Measured first, so the figure is "kernel entry to program entry".
            long sinceEntry = Clock.Nanoseconds;
            SerialConsole.Write("hello from C# (");
            SerialConsole.WriteDecimal((ulong)(sinceEntry / 1000));
            SerialConsole.WriteLine(" us after kernel entry)");
        }
    }
}
