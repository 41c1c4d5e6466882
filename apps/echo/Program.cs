using System.Runtime.InteropServices;
using Kernel.Net.App;
using Kernel.Net.Guest;
using Kernel.Runtime;

namespace Echo
{
    public static class Program
    {
        /// <summary>Guest entry: TCP echo on the virtio NIC (port= on the command line, default 7).</summary>
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            SerialConsole.WriteLine("echo from C#");
            StackServiceHost? host = GuestNetwork.Start();
            if (host is null) return;
            EchoService.Start(host);
            host.Run();
        }
    }
}
