using System.Text;
using Kernel.Net.App;
using Kernel.Net.Http;
using Kernel.Net.Sockets;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>The HTTP library on the bare-metal service host over the in-memory link, on a virtual clock
/// (deadlines of seconds cost nothing), with a client on the other stack.</summary>
[Trait("Category", "unit")]
public class HttpOverStackTests
{
    private sealed class Machine(TwoStacks net, string[] settings) : IMachine
    {
        public long NowNanoseconds => net.Now;
        public void WaitUntil(long deadline) { }
        public string? Setting(string key) => settings.Select(s => s.Split('=', 2)).Where(p => p[0] == key).Select(p => p[1]).FirstOrDefault();
        public List<string> Lines { get; } = [];
        public void Log(string line) => Lines.Add(line);
    }

    private static (TwoStacks Net, StackServiceHost Host, HttpServer Server) Start(params string[] settings) => Start(out _, settings);

    private static (TwoStacks Net, StackServiceHost Host, HttpServer Server) Start(out Machine machine, params string[] settings)
    {
        var net = new TwoStacks(seed: 5);
        machine = new Machine(net, settings);
        var host = new StackServiceHost(net.B, machine);
        var server = new HttpServer(host);
        server.MapPost("/echo", (req, res) => { res.Write(req.Body.Span); return default; });
        server.MapGet("/items/{id}", (req, res) => { res.Write(req.RouteValue("id")); return default; });
        server.Listen(80);
        return (net, host, server);
    }

    /// <summary>Sends <paramref name="request"/> and collects bytes until <paramref name="done"/> or the server's FIN.</summary>
    private static (string Text, bool Closed, long Elapsed) Exchange(TwoStacks net, StackServiceHost host, TcpConnection client, string request, Func<string, bool> done)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        int sent = 0;
        var got = new StringBuilder();
        var buffer = new byte[8192];
        bool closed = false;
        long start = net.Now;
        for (int i = 0; i < 400_000; i++)
        {
            host.RunOnce(wait: false);
            net.A.Poll(net.Now);
            if (sent < bytes.Length && client.State == TcpState.Established) sent += Math.Max(0, client.Write(bytes.AsSpan(sent)));
            int n;
            while ((n = client.Read(buffer)) > 0) got.Append(Encoding.ASCII.GetString(buffer, 0, n));
            closed = n < 0;
            if (closed || done(got.ToString())) break;
            net.AdvanceClock();
        }
        return (got.ToString(), closed, net.Now - start);
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public void Pipelined_chunked_and_fixed_length_requests_are_answered_in_order()
    {
        (TwoStacks net, StackServiceHost host, _) = Start();
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        string request = "POST /echo HTTP/1.1\r\nHost: m\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n"
            + "GET /items/7 HTTP/1.1\r\nHost: m\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: m\r\nContent-Length: 5\r\nConnection: close\r\n\r\nvwxyz";
        (string text, bool closed, _) = Exchange(net, host, client, request, _ => false);
        Assert.True(closed, text);
        Assert.Equal(3, Count(text, "HTTP/1.1 200 OK\r\n"));
        int a = text.IndexOf("\r\n\r\nabcdefg", StringComparison.Ordinal), b = text.IndexOf("\r\n\r\n7", StringComparison.Ordinal), c = text.IndexOf("\r\n\r\nvwxyz", StringComparison.Ordinal);
        Assert.True(a > 0 && b > a && c > b, text);
    }

    [Fact]
    public void A_slow_header_gets_408_at_the_header_deadline_on_the_virtual_clock()
    {
        (TwoStacks net, StackServiceHost host, HttpServer server) = Start("http_header_ms=3000", "http_request_line_ms=2000");
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        (string text, bool closed, long elapsed) = Exchange(net, host, client, "GET /items/1 HTTP/1.1\r\nHost: m\r\nX-Slow: ", _ => false);
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", text);
        Assert.True(closed);
        Assert.InRange(elapsed, 3_000_000_000L, 4_000_000_000L); // the deadline plus at most a sweep interval (and the handshake)
        Assert.Equal(1, server.Counters.TimedOut);
    }

    [Fact]
    public void Deadlines_hit_and_rejected_requests_are_reported_on_a_stats_line_and_a_well_served_guest_prints_none()
    {
        (TwoStacks net, StackServiceHost host, HttpServer server) = Start(out Machine machine, "http_header_ms=3000", "http_request_line_ms=2000");
        List<string> Stats() => machine.Lines.Where(l => l.StartsWith("summoner: stats http ", StringComparison.Ordinal)).ToList();
        TcpConnection good = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Assert.StartsWith("HTTP/1.1 200 ", Exchange(net, host, good, "GET /items/1 HTTP/1.1\r\nHost: m\r\n\r\n", t => t.EndsWith("\r\n\r\n1", StringComparison.Ordinal)).Text);
        Idle(net, host, 2_000_000_000L);
        Assert.Empty(Stats());

        TcpConnection slow = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Assert.StartsWith("HTTP/1.1 408 ", Exchange(net, host, slow, "GET /items/1 HTTP/1.1\r\nHost: m\r\nX-Slow: ", _ => false).Text);
        TcpConnection junk = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        Assert.StartsWith("HTTP/1.1 400 ", Exchange(net, host, junk, "\u0001\u0002junk\r\n\r\n", _ => false).Text);
        Idle(net, host, 2_000_000_000L);
        string last = Stats()[^1];
        Assert.Matches(@"^summoner: stats http conns=\d+ connections=3 requests=\d+ rejected=1 refused=0 timedout=1 failures=0$", last);
        int printed = Stats().Count;
        Idle(net, host, 5_000_000_000L);
        Assert.Equal(printed, Stats().Count); // nothing moved: no more lines
        Assert.Equal(1, server.Counters.TimedOut);
    }

    private static void Idle(TwoStacks net, StackServiceHost host, long nanoseconds)
    {
        for (long end = net.Now + nanoseconds; net.Now < end;)
        {
            host.RunOnce(wait: false);
            net.A.Poll(net.Now);
            net.AdvanceClock();
        }
    }

    [Fact]
    public void An_unfinished_request_line_gets_408_at_its_own_earlier_deadline()
    {
        (TwoStacks net, StackServiceHost host, _) = Start("http_header_ms=9000", "http_request_line_ms=2000");
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        (string text, bool closed, long elapsed) = Exchange(net, host, client, "GET /items/1 HTT", _ => false);
        Assert.StartsWith("HTTP/1.1 408 ", text);
        Assert.True(closed);
        Assert.InRange(elapsed, 2_000_000_000L, 3_000_000_000L);
    }

    /// <summary>Bytes allocated per keep-alive request once warm, measured on this thread (client, stacks and server all run here).</summary>
    private static long AllocatedPerRequest(TwoStacks net, StackServiceHost host, byte[] request, int answerLength)
    {
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        var buffer = new byte[4096];
        void Once()
        {
            int sent = 0, got = 0;
            for (int i = 0; i < 100_000; i++)
            {
                host.RunOnce(wait: false);
                net.A.Poll(net.Now);
                if (sent < request.Length && client.State == TcpState.Established) sent += Math.Max(0, client.Write(request.AsSpan(sent)));
                int n;
                while ((n = client.Read(buffer.AsSpan(got))) > 0) got += n;
                if (got == answerLength) return;
                net.AdvanceClock();
            }
            throw new TimeoutException($"no complete answer ({answerLength} bytes expected)");
        }
        for (int i = 0; i < 50; i++) Once(); // warm: pools, buffers, first-use statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) Once();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 200;
    }

    /// <summary>The guest's GC is simple: the library must not add garbage per request. Measured against a
    /// raw async server answering the same bytes over the same link (the stacks and the .NET async
    /// machinery allocate a little per exchange on .NET; the HTTP layer may add at most a few dozen bytes).</summary>
    [Fact]
    public void A_keep_alive_request_costs_no_more_allocation_than_a_raw_async_server_on_the_same_link()
    {
        byte[] get = "GET /page HTTP/1.1\r\nHost: m\r\n\r\n"u8.ToArray();
        byte[] post = "POST /echo HTTP/1.1\r\nHost: m\r\nContent-Length: 4\r\n\r\npage"u8.ToArray();
        (TwoStacks net, StackServiceHost host, HttpServer server) = Start();
        HttpPreparedResponse page = server.Prepare(200, "", "page"u8);
        server.MapGet("/page", (_, res) => { res.Send(page); return default; });
        int answer = "HTTP/1.1 200 OK\r\nServer: summoner-kernel-net\r\nContent-Length: 4\r\n\r\npage".Length;
        long httpGet = AllocatedPerRequest(net, host, get, answer);
        long httpPost = AllocatedPerRequest(net, host, post, answer);

        var rawNet = new TwoStacks(seed: 5);
        var rawHost = new StackServiceHost(rawNet.B, new Machine(rawNet, []));
        byte[] reply = "HTTP/1.1 200 OK\r\nServer: summoner-kernel-net\r\nContent-Length: 4\r\n\r\npage"u8.ToArray();
        rawHost.Serve(80, async c =>
        {
            var input = new byte[4096];
            while (await c.ReadAsync(input) > 0 && await c.WriteAsync(reply)) { }
            c.Close();
        });
        long raw = AllocatedPerRequest(rawNet, rawHost, get, reply.Length);
        Assert.True(httpGet - raw <= 64 && httpPost - raw <= 64, $"bytes per request: raw {raw}, HTTP GET {httpGet}, POST {httpPost}");
    }
}
