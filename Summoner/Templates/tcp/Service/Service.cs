using System;
using System.Text;
using System.Threading.Tasks;
using Kernel.Net.App;

namespace __NAMESPACE__
{
    /// <summary>
    /// The service: a raw TCP line service. It greets each client with the GREETING setting, then
    /// sends every line back upper-cased. Written against <see cref="IServiceHost"/>, so the same code
    /// runs as a unikernel and as a process (Hosted/). See docs/guest-api.md in the Summoner
    /// repository for what the guest core library offers.
    /// </summary>
    public sealed class Service
    {
        private readonly byte[] _greeting;

        private Service(byte[] greeting) => _greeting = greeting;

        public static Service Start(IServiceHost host)
        {
            ServiceSettings settings = host.Settings();
            var service = new Service(Encoding.UTF8.GetBytes(settings.GetString("GREETING", "Hello") + "\n"));
            // Summoner passes the service's ports = [...] as the setting port (port=7000,7001).
            foreach (ushort port in settings.GetPorts("port", __PORT__)) host.Serve(port, service.ServeAsync);
            return service;
        }

        private async Task ServeAsync(AsyncConnection connection)
        {
            if (!await connection.WriteAsync(_greeting.AsMemory(0, _greeting.Length))) return;
            var buffer = new byte[2048];
            while (true)
            {
                int n = await connection.ReadAsync(buffer.AsMemory(0, buffer.Length));
                if (n <= 0) break;
                for (int i = 0; i < n; i++)
                    if (buffer[i] >= 'a' && buffer[i] <= 'z') buffer[i] = (byte)(buffer[i] - 32);
                if (!await connection.WriteAsync(buffer.AsMemory(0, n))) break;
            }
            connection.Close();
        }
    }
}
