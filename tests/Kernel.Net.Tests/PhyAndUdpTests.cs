using System.Diagnostics;
using System.Net.Sockets;
using Echo;
using Kernel.Net.Hosted;
using Kernel.Net.Phy;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

[Trait("Category", "unit")]
public class PhyAndUdpTests
{
    [Fact]
    public void Pcap_written_during_a_transfer_is_read_back_by_tcpdump_frame_for_frame()
    {
        string path = Path.Combine(Path.GetTempPath(), $"knet-{Guid.NewGuid():N}.pcap");
        long frames;
        try
        {
            using (var net = new TwoStacks(pcapPath: path))
            {
                TcpTransferTests.Transfer(net, 100_000, seed: 8);
                frames = net.Link.A.FramesSent + net.Link.B.FramesSent;
            }
            var psi = new ProcessStartInfo("tcpdump", ["-nn", "-r", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process p = Process.Start(psi)!;
            string[] lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Equal(frames, lines.Length); // every frame of A, out and in
            Assert.Contains(lines, l => l.Contains("10.0.0.1.49152 > 10.0.0.2.9000: Flags [S]", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Fault_injector_replays_the_same_damage_from_the_same_seed()
    {
        static (long, long, long) Run()
        {
            var link = new MemoryLink(new MacAddress(1), new MacAddress(2));
            var f = new FaultInjector(link.A, FaultRates.Percent(10, 5, 5, 5), 99);
            var frame = new byte[100];
            for (int i = 0; i < 10_000; i++) f.Transmit(frame);
            return (f.Dropped, f.Duplicated, f.Reordered);
        }
        (long dropped, long duplicated, long reordered) = Run();
        Assert.Equal((dropped, duplicated, reordered), Run());
        Assert.InRange(dropped, 800, 1200);
        Assert.InRange(duplicated, 300, 700);
    }

    [Fact]
    public void Udp_datagram_goes_there_and_back_between_two_stacks()
    {
        using var net = new TwoStacks();
        UdpSocket a = net.A.Udp.Bind(5000);
        UdpSocket b = net.B.Udp.Bind(53);
        Assert.True(a.SendTo(TwoStacks.AddressB, 53, "query"u8));
        var buffer = new byte[64];
        int n = -1;
        net.RunUntil(() => (n = b.ReceiveFrom(buffer, out _, out _)) >= 0, 1000);
        Assert.Equal("query", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.True(b.SendTo(TwoStacks.AddressA, 5000, "answer"u8));
        net.RunUntil(() => (n = a.ReceiveFrom(buffer, out Ipv4Address from, out ushort port)) >= 0 && from == TwoStacks.AddressB && port == 53, 1000);
        Assert.Equal("answer", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Hosted_echo_returns_what_it_gets_on_loopback()
    {
        using var log = new StringWriter();
        using var host = new SocketServiceHost(["port=0"], log);
        EchoService.Start(host);
        var loop = new Thread(host.Run) { IsBackground = true };
        loop.Start();
        try
        {
            byte[] data = TcpTransferTests.RandomBytes(1 << 20, 12);
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", host.BoundPorts[0]);
            NetworkStream stream = client.GetStream();
            Task writer = Task.Run(async () => { await stream.WriteAsync(data); client.Client.Shutdown(SocketShutdown.Send); });
            var got = new MemoryStream();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await stream.CopyToAsync(got, cts.Token);
            await writer;
            Assert.Equal(data, got.ToArray());
        }
        finally
        {
            host.RequestStop();
            loop.Join(TimeSpan.FromSeconds(5));
        }
    }
}
