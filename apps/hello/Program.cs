using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace Hello
{
    public static class Program
    {
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            SerialConsole.WriteLine("hello from C#");
        }
    }
}
