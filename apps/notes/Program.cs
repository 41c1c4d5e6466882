using System.Runtime.InteropServices;
using Kernel.Net.App;
using Kernel.Net.Guest;

namespace Notes
{
    public static class Program
    {
        /// <summary>Guest entry: the notes JSON API on the virtio NIC.</summary>
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            StackServiceHost? host = GuestNetwork.Start();
            if (host is null) return;
            NotesService.Start(host);
            host.Run();
        }
    }
}
