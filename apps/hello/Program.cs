using System.Runtime.InteropServices;
using Kernel.Net.App;
using Kernel.Net.Guest;
using Kernel.Runtime;

namespace Hello
{
    public static class Program
    {
        /// <summary>Guest entry: the hello HTTP service on the virtio NIC. Without a NIC it only
        /// prints its banner and powers off with success (the bare boot test relies on that).</summary>
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            // Measured first, so the figure is "kernel entry to program entry".
            long sinceEntry = Clock.Nanoseconds;
            SerialConsole.Write("hello from C# (");
            SerialConsole.WriteDecimal((ulong)(sinceEntry / 1000));
            SerialConsole.WriteLine(" us after kernel entry)");
            StackServiceHost? host = GuestNetwork.Start();
            if (host is null) return;
            HelloService.Start(host);
            host.Run();
        }
    }
}
