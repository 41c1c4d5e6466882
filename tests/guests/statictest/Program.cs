using System.Runtime.InteropServices;
using Kernel.Net.App;
using Kernel.Net.Guest;
using Kernel.Net.Http;

namespace StaticTest
{
    public static class Program
    {
        /// <summary>Serves the image's static content (a 10 MiB file and an index page) on port 80.</summary>
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            StackServiceHost? host = GuestNetwork.Start();
            if (host is null) return;
            var server = new HttpServer(host, HttpServerOptions.FromSettings(host));
            StaticSite.FromImage().MapTo(server);
            server.Listen(80);
            host.Run();
        }
    }
}
