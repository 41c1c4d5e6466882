using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Summoner.Testing;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// The guest images really booted under QEMU with user networking (slirp, restrict=on, so the
/// guest can reach nothing but the forwarded port), driven from 127.0.0.1 through hostfwd.
/// </summary>
[Trait("Category", "qemu")]
public class GuestSlirpTests
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);

    internal static RunningGuest Start(string image, int hostPort, int guestPort, string extraCommandLine = "") =>
        new(RepoPaths.Image(image), $"port={guestPort} {extraCommandLine}".Trim(),
            ["-netdev", $"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{hostPort}-:{guestPort}", "-device", "virtio-net-device,netdev=n0"]);

    internal static async Task<string> HttpExchangeAsync(NetworkStream stream, string request)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var text = new StringBuilder();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            string s = text.ToString();
            int headEnd = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            int at = s.IndexOf("Content-Length: ", StringComparison.Ordinal);
            if (headEnd >= 0 && at >= 0 && s.Length >= headEnd + 4 + int.Parse(s[(at + 16)..s.IndexOf('\r', at)])) return s;
            int n = await stream.ReadAsync(buffer, cts.Token);
            if (n == 0) return s;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [Fact]
    public async Task Hello_guest_prints_readiness_and_serves_the_page_with_keep_alive_and_400_through_slirp()
    {
        int port = FreePort.Loopback();
        using RunningGuest guest = Start("hello", port, 80, "name=slirp-demo");
        await guest.WaitReadyAsync(Boot);
        Assert.Matches(@"summoner: ready tcp/80 in \d+\.\d ms", guest.Serial);
        Assert.Contains("hello from C#", guest.Serial);

        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", port);
            NetworkStream stream = client.GetStream();
            for (int i = 0; i < 3; i++)
            {
                string reply = await HttpExchangeAsync(stream, "GET / HTTP/1.1\r\nHost: slirp-demo\r\n\r\n");
                Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply);
                Assert.Contains("<h1>slirp-demo</h1>", reply);
                Assert.Matches(@"Boot to ready: \d+\.\d ms", reply);
            }
        }
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", port);
            string reply = await HttpExchangeAsync(client.GetStream(), "GET / HTTP/1.1\r\nno colon here\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply);
        }
    }

    /// <summary>slirp's host-side listener has a tiny backlog (libslirp tcp_listen), so a burst of
    /// simultaneous connects overflows Linux's accept queue before the guest sees a SYN and stalls
    /// on SYN-ACK retries; connections are opened one after another, then all 100 are used at once.</summary>
    [Fact]
    public async Task Hello_guest_holds_100_connections_open_at_once_and_answers_each_through_slirp()
    {
        int port = FreePort.Loopback();
        using RunningGuest guest = Start("hello", port, 80);
        await guest.WaitReadyAsync(Boot);
        var clients = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 100; i++)
            {
                var c = new TcpClient();
                clients.Add(c);
                await c.ConnectAsync("127.0.0.1", port);
            }
            string[] replies = await Task.WhenAll(clients.Select(c => HttpExchangeAsync(c.GetStream(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
            Assert.All(replies, r => Assert.StartsWith("HTTP/1.1 200 OK\r\n", r));
        }
        finally
        {
            foreach (TcpClient c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task Echo_guest_returns_10_MiB_byte_exact_through_slirp()
    {
        int port = FreePort.Loopback();
        using RunningGuest guest = Start("echo", port, 7);
        await guest.WaitReadyAsync(Boot);
        byte[] data = TcpTransferTests.RandomBytes(10 * 1024 * 1024, 10);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        NetworkStream stream = client.GetStream();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        Task writer = Task.Run(async () =>
        {
            for (int at = 0; at < data.Length; at += 65536)
                await stream.WriteAsync(data.AsMemory(at, Math.Min(65536, data.Length - at)), cts.Token);
            client.Client.Shutdown(SocketShutdown.Send);
        });
        var got = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = await stream.ReadAsync(buffer, cts.Token)) > 0) got.Write(buffer, 0, n);
        await writer;
        Assert.Equal(data.Length, got.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(got.ToArray()));
    }
}
