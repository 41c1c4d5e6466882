using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using Kernel.Net.App;
using Kernel.Net.Guest;
using Kernel.Runtime;

namespace NetTest
{
    /// <summary>
    /// The outbound and UDP test guest: a UDP echo service on <c>udp=PORT,...</c> [7], a TCP echo
    /// service on <c>port=PORT,...</c> when that is set, and with
    /// <c>connect=HOST:PORT</c> <c>connects=N</c> [1] outbound TCP exchanges, one after another, at start (a line out, a line back), whose
    /// outcome it prints as <c>nettest: outbound ok REPLY</c> or <c>nettest: outbound failed WHY</c>.
    /// </summary>
    public static class Program
    {
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            StackServiceHost? host = GuestNetwork.Start();
            if (host is null) return;
            ServiceSettings settings = host.Settings();
            foreach (ushort udp in settings.GetPorts("udp", 7)) host.BindUdp(udp, new UdpEcho());
            // Summoner passes port= only for a service with TCP ports: then echo there too (a mixed service).
            if (settings.Find("port") is not null)
                foreach (ushort tcp in settings.GetPorts("port", 7)) host.Listen(tcp, _ => new TcpEcho());
            string? target = host.Setting("connect");
            string? times = host.Setting("connects");
            int count;
            if (times is null || !int.TryParse(times, out count) || count < 1) count = 1;
            if (target is not null) host.ScheduleTimer(0, () => _ = Outbounds(host, target, count));
            host.Run();
        }

        private static async Task Outbounds(StackServiceHost host, string target, int count)
        {
            for (int i = 0; i < count; i++) await Outbound(host, target);
        }

        private static async Task Outbound(StackServiceHost host, string target)
        {
            int colon = target.LastIndexOf(':');
            int port;
            if (colon <= 0 || !int.TryParse(target.Substring(colon + 1), out port) || port <= 0 || port > 65535)
            {
                host.Log("nettest: outbound failed connect= is not HOST:PORT");
                return;
            }
            string name = target.Substring(0, colon);
            ConnectResult r = await host.ConnectAsync(DnsResolver.FromSettings(host), name, (ushort)port);
            if (!r.Succeeded)
            {
                host.Log("nettest: outbound failed " + r.Describe(target));
                return;
            }
            AsyncConnection c = r.Connection!;
            await c.WriteAsync(Encoding.ASCII.GetBytes("hello from the guest\n"));
            var buffer = new byte[256];
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await c.ReadAsync(buffer.AsMemory(total));
                if (n == 0) break;
                total += n;
                if (buffer[total - 1] == (byte)'\n') break;
            }
            c.Close();
            host.Log("nettest: outbound ok " + Encoding.ASCII.GetString(buffer, 0, total).TrimEnd('\n'));
        }

        /// <summary>Echoes what it reads; bytes the send buffer did not take wait for OnWritable.</summary>
        private sealed class TcpEcho : IConnectionHandler
        {
            private readonly byte[] _buffer = new byte[2048];
            private int _start;
            private int _end;

            public void OnReadable(IConnection connection) => Pump(connection);

            public void OnWritable(IConnection connection) => Pump(connection);

            public void OnClosed(IConnection connection) { }

            private void Pump(IConnection connection)
            {
                while (true)
                {
                    if (_start < _end)
                    {
                        int w = connection.Write(_buffer.AsSpan(_start, _end - _start));
                        if (w < 0) { connection.Abort(); return; }
                        _start += w;
                        if (_start < _end) return;
                    }
                    int n = connection.Read(_buffer);
                    if (n == 0) return;
                    if (n < 0) { connection.Close(); return; }
                    _start = 0;
                    _end = n;
                }
            }
        }

        private sealed class UdpEcho : IDatagramHandler
        {
            private readonly byte[] _buffer = new byte[1472];

            public void OnDatagram(IDatagramSocket socket)
            {
                int n;
                Kernel.Net.Wire.Ipv4Address from;
                ushort fromPort;
                while ((n = socket.ReceiveFrom(_buffer, out from, out fromPort)) >= 0)
                    socket.SendTo(from, fromPort, _buffer.AsSpan(0, n));
            }
        }
    }
}
