using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace CoreLibTest
{
    public static class Program
    {
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            Checks.Run(SerialConsole.WriteLine);
        }
    }
}
