using System.Net;
using System.Net.Sockets;
using System.Text;
using Kernel.Net.App;
using Kernel.Net.Hosted;
using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>The outbound interface on the hosted service host (System.Net.Sockets), against loopback peers.</summary>
[Trait("Category", "unit")]
public sealed class HostedOutboundTests
{
    private static readonly Ipv4Address Loopback = new(127, 0, 0, 1);

    /// <summary>Runs <paramref name="app"/> on a hosted loop thread and returns its result.</summary>
    private static async Task<T> OnLoop<T>(SocketServiceHost host, Func<Task<T>> app)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.ScheduleTimer(0, async () =>
        {
            try { done.SetResult(await app()); }
            catch (Exception e) { done.SetException(e); }
            finally { host.RequestStop(); }
        });
        var loop = new Thread(host.Run) { IsBackground = true };
        loop.Start();
        T result = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(loop.Join(TimeSpan.FromSeconds(10)), "the loop did not stop");
        return result;
    }

    [Fact]
    public async Task ConnectAsync_reaches_a_loopback_server_and_exchanges_a_line()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        int port = ((IPEndPoint)server.LocalEndpoint).Port;
        Task serve = Task.Run(async () =>
        {
            using TcpClient c = await server.AcceptTcpClientAsync();
            var buffer = new byte[64];
            int n = await c.GetStream().ReadAsync(buffer);
            await c.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(buffer, 0, n).ToUpperInvariant()));
        });
        using var host = new SocketServiceHost([]);
        string reply = await OnLoop(host, async () =>
        {
            ConnectResult r = await host.ConnectAsync(Loopback, (ushort)port);
            Assert.True(r.Succeeded, r.Error.ToString());
            await r.Connection!.WriteAsync(Encoding.ASCII.GetBytes("ping"));
            var buffer = new byte[64];
            int n = await r.Connection.ReadAsync(buffer);
            r.Connection.Close();
            return Encoding.ASCII.GetString(buffer, 0, n);
        });
        await serve;
        Assert.Equal("PING", reply);
    }

    [Fact]
    public async Task ConnectAsync_to_a_closed_loopback_port_fails_as_refused()
    {
        int port = Summoner.Testing.FreePort.Loopback(); // free a moment ago, so nothing listens
        using var host = new SocketServiceHost([]);
        ConnectResult r = await OnLoop(host, async () => await host.ConnectAsync(Loopback, (ushort)port, 5_000_000_000));
        Assert.Equal(ConnectError.Refused, r.Error);
    }

    [Fact]
    public async Task UDP_socket_bound_on_the_hosted_host_echoes_and_prints_its_readiness_line()
    {
        var log = new StringWriter();
        using var host = new SocketServiceHost(["bind=127.0.0.1"], log);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var echo = new Echo();
        IDatagramSocket socket = host.BindUdp(0, echo); // ephemeral: no readiness line
        Assert.DoesNotContain("ready udp/", log.ToString(), StringComparison.Ordinal);
        byte[] got = await OnLoop(host, async () =>
        {
            byte[] probe = [1, 2, 3, 4, 5];
            await client.SendAsync(probe, new IPEndPoint(IPAddress.Loopback, socket.LocalPort));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            UdpReceiveResult r = await client.ReceiveAsync(cts.Token);
            return r.Buffer;
        });
        Assert.Equal([1, 2, 3, 4, 5], got);
        socket.Close();

        int fixedPort;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0))) fixedPort = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        using var host2 = new SocketServiceHost(["bind=127.0.0.1"], log);
        host2.BindUdp((ushort)fixedPort, echo);
        Assert.Matches($@"summoner: ready udp/{fixedPort} in \d+\.\d ms", log.ToString());
    }

    private sealed class Echo : IDatagramHandler
    {
        public void OnDatagram(IDatagramSocket socket)
        {
            var buffer = new byte[1500];
            int n;
            while ((n = socket.ReceiveFrom(buffer, out Ipv4Address from, out ushort port)) >= 0) socket.SendTo(from, port, buffer.AsSpan(0, n));
        }
    }
}
