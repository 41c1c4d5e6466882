using System.Runtime.InteropServices;
using Kernel.Net.App;
using Kernel.Net.Guest;

namespace __NAMESPACE__
{
    public static class Program
    {
        /// <summary>Guest entry: the kernel calls it once memory, interrupts and the clock are up.
        /// Hosted/Program.cs is the same service's entry as a plain .NET process.</summary>
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            StackServiceHost? host = GuestNetwork.Start();
            if (host is null) return;
            try
            {
                Service.Start(host);
            }
            catch (SettingException e)
            {
                // One console line naming the setting (never its value), then exit status 10.
                GuestSettings.Fail(e.Message);
                return;
            }
            host.Run();
        }
    }
}
