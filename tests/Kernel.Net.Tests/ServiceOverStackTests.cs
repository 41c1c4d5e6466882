using System.Text;
using Echo;
using Hello;
using Kernel.Net.App;
using Kernel.Net.Phy;
using Kernel.Net.Sockets;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>The apps on the bare-metal service host (B), driven by a client on stack A over the in-memory link.</summary>
[Trait("Category", "unit")]
public class ServiceOverStackTests
{
    internal sealed class VirtualMachine(TwoStacks net, Dictionary<string, string> settings) : IMachine
    {
        public List<string> Lines { get; } = [];
        public long NowNanoseconds => net.Now;
        public void WaitUntil(long deadline) { }
        public string? Setting(string key) => settings.TryGetValue(key, out string? v) ? v : null;
        public void Log(string line) => Lines.Add(line);
    }

    private static (TwoStacks Net, StackServiceHost Host, VirtualMachine Machine) Boot(FaultRates? faults, params string[] settings)
    {
        var net = new TwoStacks(faults, seed: 9);
        var machine = new VirtualMachine(net, settings.Select(s => s.Split('=')).ToDictionary(p => p[0], p => p[1]));
        return (net, new StackServiceHost(net.B, machine), machine);
    }

    /// <summary>Runs the host's loop turn instead of B's plain poll, so app callbacks happen.</summary>
    private static void Run(TwoStacks net, StackServiceHost host, Func<bool> done, int maxSteps = 2_000_000)
    {
        for (int i = 0; i < maxSteps && !done(); i++)
        {
            host.RunOnce(wait: false);
            net.A.Poll(net.Now);
            net.AdvanceClock();
        }
        Assert.True(done(), "not done after the step budget");
    }

    private static string Exchange(TwoStacks net, StackServiceHost host, TcpConnection client, string request, Func<string, bool> complete)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        int sent = 0;
        var got = new StringBuilder();
        var buffer = new byte[4096];
        Run(net, host, () =>
        {
            if (sent < bytes.Length && client.State == TcpState.Established) sent += Math.Max(0, client.Write(bytes.AsSpan(sent)));
            int n;
            while ((n = client.Read(buffer)) > 0) got.Append(Encoding.ASCII.GetString(buffer, 0, n));
            return complete(got.ToString()) || n < 0;
        }, 200_000);
        return got.ToString();
    }

    [Fact]
    public void Hello_prints_the_readiness_line_and_serves_GET_slash_twice_on_one_kept_alive_connection()
    {
        (TwoStacks net, StackServiceHost host, VirtualMachine machine) = Boot(null, "port=80", "name=demo");
        HelloService.Start(host);
        Assert.Matches(@"^summoner: ready tcp/80 in \d+\.\d ms$", Assert.Single(machine.Lines));
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        string first = Exchange(net, host, client, "GET / HTTP/1.1\r\nHost: demo\r\n\r\n", s => s.EndsWith("</html>\n", StringComparison.Ordinal));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", first);
        Assert.Contains("<h1>demo</h1>", first);
        Assert.Contains("Boot to ready:", first);
        string second = Exchange(net, host, client, "GET /missing HTTP/1.1\r\nHost: demo\r\n\r\n", s => s.EndsWith("/static/style.css)\n", StringComparison.Ordinal));
        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", second);
        Assert.Equal(TcpState.Established, client.State);
        // The first accepted connection is reported once (the summoner's readiness probe waits for it).
        TcpConnection other = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Exchange(net, host, other, "GET / HTTP/1.1\r\nHost: demo\r\n\r\n", s => s.EndsWith("</html>\n", StringComparison.Ordinal)));
        Assert.Equal(["summoner: accepted tcp/80"], machine.Lines.Where(l => l.StartsWith("summoner: accepted", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_connection_closed_before_it_sent_a_byte_is_reported_as_accepted_and_data_connections_are_not(bool finWithHandshake)
    {
        // The summoner proves a resumed guest with such a probe, long after the first accept. Its
        // connect-then-close usually reaches the guest as ACK and FIN in one burst, before the
        // accept, and hello's HTTP server reads (and closes on) the end of stream in its accept
        // callback: the probe must still be reported (it was not, and warm wakes waited seconds).
        (TwoStacks net, StackServiceHost host, VirtualMachine machine) = Boot(null, "port=80");
        HelloService.Start(host);
        int Accepted() => machine.Lines.Count(l => l == "summoner: accepted tcp/80");
        for (int i = 1; i <= 3; i++)
        {
            TcpConnection probe = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
            Run(net, host, () => probe.State == TcpState.Established, 200_000);
            probe.Close();
            if (finWithHandshake) net.A.Poll(net.Now); // the FIN leaves before B's next turn takes the ACK
            Run(net, host, () => Accepted() == i + 1, 200_000); // the first one also gets the first-accept line
        }
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Exchange(net, host, client, "GET / HTTP/1.1\r\nHost: demo\r\n\r\n", s => s.EndsWith("</html>\n", StringComparison.Ordinal)));
        client.Close();
        Run(net, host, () => client.State is TcpState.Closed or TcpState.TimeWait, 200_000);
        Assert.Equal(4, Accepted());
    }

    private sealed class KeepHandles : IConnectionHandler
    {
        public List<IConnection> Handles { get; } = [];
        public void OnReadable(IConnection connection)
        {
            var buffer = new byte[64];
            if (connection.Read(buffer) != 0) connection.Close(); // a byte or the end: done with it
        }
        public void OnWritable(IConnection connection) { }
        public void OnClosed(IConnection connection) { }
    }

    [Fact]
    public void A_handle_the_app_kept_after_closing_it_never_reaches_the_connection_that_reuses_its_socket()
    {
        // The socket layer pools connection objects; the host's handle must not follow the object.
        (TwoStacks net, StackServiceHost host, _) = Boot(null, "port=80");
        var app = new KeepHandles();
        host.Listen(80, c => { app.Handles.Add(c); return app; });
        TcpConnection first = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Run(net, host, () => first.State == TcpState.Established, 200_000);
        first.Write("x"u8);
        Run(net, host, () => first.State is TcpState.CloseWait, 200_000);
        first.Close();
        Run(net, host, () => first.State is TcpState.Closed or TcpState.TimeWait, 200_000);
        for (int i = 0; i < 50; i++) { host.RunOnce(wait: false); net.A.Poll(net.Now); net.AdvanceClock(); } // the stack recycles the socket

        TcpConnection second = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Run(net, host, () => app.Handles.Count == 2 && second.State == TcpState.Established, 200_000);
        IConnection stale = app.Handles[0];
        Assert.Equal(-1, stale.Write("stale"u8));
        Assert.Equal(-1, stale.Read(new byte[8]));
        stale.Abort(); // a no-op: it must not reset the second connection
        for (int i = 0; i < 50; i++) { host.RunOnce(wait: false); net.A.Poll(net.Now); net.AdvanceClock(); }
        Assert.Equal(TcpState.Established, second.State);
        Assert.Equal(0, second.Read(new byte[8]));
    }

    [Theory]
    [InlineData("NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 400 ")]
    [InlineData("GET / HTTP/1.1\r\nBroken header line\r\n\r\n", "HTTP/1.1 400 ")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", "HTTP/1.1 405 ")]
    public void Hello_answers_bad_requests_with_an_error_and_closes(string request, string expectedStatus)
    {
        (TwoStacks net, StackServiceHost host, _) = Boot(null, "port=80");
        HelloService.Start(host);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        string reply = Exchange(net, host, client, request, _ => false);
        Assert.StartsWith(expectedStatus, reply);
        Assert.Contains("Connection: close", reply);
    }

    [Fact]
    public void Hello_refuses_headers_beyond_8_KiB_with_431()
    {
        (TwoStacks net, StackServiceHost host, _) = Boot(null, "port=80");
        HelloService.Start(host);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        string reply = Exchange(net, host, client, "GET / HTTP/1.1\r\nX-Filler: " + new string('a', 9000) + "\r\n\r\n", _ => false);
        Assert.StartsWith("HTTP/1.1 431 ", reply);
    }

    [Fact]
    public void Echo_returns_one_MiB_byte_exact_over_a_link_with_5_percent_loss()
    {
        (TwoStacks net, StackServiceHost host, _) = Boot(FaultRates.Percent(5, 1, 2, 0), "port=7");
        EchoService.Start(host);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 7)!;
        byte[] data = TcpTransferTests.RandomBytes(1 << 20, 77);
        var got = new MemoryStream();
        int sent = 0;
        var buffer = new byte[16384];
        bool shut = false;
        Run(net, host, () =>
        {
            if (sent < data.Length) sent += Math.Max(0, client.Write(data.AsSpan(sent)));
            else if (!shut) { shut = true; client.Shutdown(); }
            int n;
            while ((n = client.Read(buffer)) > 0) got.Write(buffer, 0, n);
            return n < 0;
        });
        Assert.Equal(data, got.ToArray());
    }

    [Fact]
    public void Hello_closes_a_connection_that_stays_silent_past_the_idle_timeout()
    {
        (TwoStacks net, StackServiceHost host, _) = Boot(null, "port=80", "idle=5");
        HelloService service = HelloService.Start(host);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Run(net, host, () => service.ActiveSessions == 1, 10_000);
        long connectedAt = net.Now;
        Run(net, host, () => client.Read(new byte[16]) < 0); // the server's FIN
        Assert.InRange(net.Now - connectedAt, 5_000_000_000L, 8_000_000_000L);
        Assert.Equal(0, service.ActiveSessions);
    }

    [Fact]
    public void A_hundred_concurrent_connections_each_get_the_page()
    {
        (TwoStacks net, StackServiceHost host, _) = Boot(null, "port=80");
        HelloService.Start(host);
        var clients = Enumerable.Range(0, 100).Select(_ => net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!).ToArray();
        var replies = clients.Select(_ => new StringBuilder()).ToArray();
        var sent = new bool[clients.Length];
        byte[] request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray();
        var buffer = new byte[4096];
        Run(net, host, () =>
        {
            bool all = true;
            for (int i = 0; i < clients.Length; i++)
            {
                TcpConnection c = clients[i];
                if (!sent[i] && c.State == TcpState.Established) sent[i] = c.Write(request) == request.Length;
                int n;
                while ((n = c.Read(buffer)) > 0) replies[i].Append(Encoding.ASCII.GetString(buffer, 0, n));
                all &= n < 0;
            }
            return all;
        });
        Assert.All(replies, r => Assert.StartsWith("HTTP/1.1 200 OK", r.ToString()));
    }
}
