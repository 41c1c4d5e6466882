using System.Diagnostics;
using System.Text;
using Kernel.Net.Hosted;
using Kernel.Net.Http;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>An <see cref="HttpServer"/> with test routes on the hosted service host (127.0.0.1), its loop on a thread.</summary>
internal sealed class HostedHttpServer : IDisposable
{
    private readonly SocketServiceHost _host;
    private readonly Thread _loop;

    public HostedHttpServer(params string[] settings)
    {
        _host = new SocketServiceHost(["port=0", "bind=127.0.0.1", .. settings], Log);
        Server = new HttpServer(_host);
        Server.MapGet("/", (_, res) => { res.AddHeader("Content-Type", "text/plain"); res.Write("root\n"); return default; });
        Server.MapGet("/items/{id}", (req, res) => { res.Write("item " + req.RouteValue("id")); return default; });
        Server.MapGet("/items/{id}/parts/{part}", (req, res) => { res.Write(req.RouteValue("id") + "/" + req.RouteValue("part")); return default; });
        Server.Map("DELETE", "/items/{id}", (_, res) => { res.Status = 204; return default; });
        Server.MapPost("/echo", (req, res) => { res.Write(req.Body.Span); return default; });
        Server.MapGet("/stream", StreamAsync);
        Server.MapGet("/throw", (_, _) => throw new InvalidOperationException("handler bug"));
        Server.MapGet("/query", (req, res) => { res.Write(Encoding.ASCII.GetString(req.Query)); return default; });
        Server.Listen(0);
        _loop = new Thread(_host.Run) { IsBackground = true };
        _loop.Start();
    }

    public HttpServer Server { get; }

    public StringWriter Log { get; } = new();

    public int Port => _host.BoundPorts[0];

    public HttpClientProbe Connect() => new("127.0.0.1", Port);

    private static async ValueTask StreamAsync(HttpRequest request, HttpResponse response)
    {
        response.AddHeader("Content-Type", "text/plain");
        for (int i = 0; i < 3; i++)
        {
            if (!await response.WriteChunkAsync(Encoding.ASCII.GetBytes($"part {i}\n"))) return;
        }
    }

    public void Dispose()
    {
        _host.RequestStop();
        _loop.Join(TimeSpan.FromSeconds(5));
        _host.Dispose();
    }
}

/// <summary>The HTTP library over the hosted host: parsing, routing, every status, bodies both ways, pipelining, limits, deadlines.</summary>
[Trait("Category", "unit")]
public sealed class HttpServerTests : IDisposable
{
    private readonly HostedHttpServer _server = new("http_idle_ms=800", "http_max_body=65536");

    public static TheoryData<string> Corpus() => [.. HostileRequests.All().Select(c => c.Name)];

    [Fact]
    public void Routes_by_method_and_path_with_parameters_percent_decoded()
    {
        using HttpClientProbe c = _server.Connect();
        c.Send("GET /items/42 HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("item 42", c.Read().Text);
        c.Send("GET /items/a%20b/parts/7?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("a b/7", c.Read().Text);
        c.Send("DELETE /items/9 HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpReply deleted = c.Read();
        Assert.Equal(204, deleted.Status);
        Assert.Null(deleted.Header("Content-Length"));
        c.Send("GET /query?a=1&b=2 HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("a=1&b=2", c.Read().Text);
        c.Send("GET http://t/items/5 HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("item 5", c.Read().Text); // absolute-form (RFC 9112 §3.2.2)
    }

    [Fact]
    public void Unrouted_requests_get_404_405_with_Allow_and_501_and_the_connection_stays_for_bodiless_ones()
    {
        using HttpClientProbe c = _server.Connect();
        c.Send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(404, c.Read().Status);
        c.Send("PUT /items/1 HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpReply notAllowed = c.Read();
        Assert.Equal(405, notAllowed.Status);
        Assert.Equal("GET, HEAD, DELETE", notAllowed.Header("Allow"));
        c.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(200, c.Read().Status);
        c.Send("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpReply unknown = c.Read();
        Assert.Equal(501, unknown.Status);
        Assert.Equal("close", unknown.Header("Connection"));
        Assert.True(c.ClosedWithin(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void HEAD_gets_the_GET_headers_with_the_length_and_no_body()
    {
        using HttpClientProbe c = _server.Connect();
        c.Send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpReply head = c.Read(headOnly: true);
        Assert.Equal(200, head.Status);
        Assert.Equal("5", head.Header("Content-Length"));
        HttpReply get = c.Read(); // the next bytes are the second response: the HEAD answer carried no body
        Assert.Equal("root\n", get.Text);
    }

    [Fact]
    public void Responses_carry_Date_from_the_host_clock_and_Server()
    {
        using HttpClientProbe c = _server.Connect();
        c.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        HttpReply r = c.Read();
        DateTimeOffset date = DateTimeOffset.ParseExact(r.Header("Date")!, "r", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange((DateTimeOffset.UtcNow - date).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal("summoner-kernel-net", r.Header("Server"));
    }

    [Fact]
    public void Date_is_an_IMF_fixdate()
    {
        var bytes = new byte[HttpDate.Length];
        HttpDate.Format(784111777, bytes);
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", Encoding.ASCII.GetString(bytes));
        HttpDate.Format(951782400, bytes); // a leap day of a year divisible by 400
        Assert.Equal("Tue, 29 Feb 2000 00:00:00 GMT", Encoding.ASCII.GetString(bytes));
        for (long t = 0; t < 4_102_444_800; t += 7_919_993)
        {
            HttpDate.Format(t, bytes);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(t).ToString("r", System.Globalization.CultureInfo.InvariantCulture), Encoding.ASCII.GetString(bytes));
        }
    }

    [Fact]
    public void Bodies_by_Content_Length_and_chunked_with_extensions_and_trailers_are_echoed()
    {
        using HttpClientProbe c = _server.Connect();
        byte[] payload = new byte[40_000];
        new Random(1).NextBytes(payload);
        c.Send(Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {payload.Length}\r\n\r\n").Concat(payload).ToArray());
        Assert.Equal(payload, c.Read().Body);
        c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n");
        Assert.Equal("hello 0123456789", c.Read().Text);
        c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        HttpReply empty = c.Read();
        Assert.Equal(200, empty.Status);
        Assert.Equal("0", empty.Header("Content-Length"));
    }

    [Fact]
    public void A_chunked_body_dribbled_one_byte_at_a_time_is_decoded()
    {
        using var server = new HostedHttpServer(); // default deadlines: a loaded machine may stretch the dribble
        using HttpClientProbe c = server.Connect();
        foreach (char ch in "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        {
            c.Send(ch.ToString());
            Thread.Sleep(1);
        }
        Assert.Equal("abcde", c.Read().Text);
    }

    [Fact]
    public void Expect_100_continue_gets_100_before_the_body_is_sent_and_413_without_it_when_too_large()
    {
        using HttpClientProbe c = _server.Connect();
        c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(100, c.Read(headOnly: true).Status);
        c.Send("body");
        Assert.Equal("body", c.Read().Text);
        using HttpClientProbe big = _server.Connect();
        big.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(413, big.Read().Status);
        Assert.True(big.ClosedWithin(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_chunked_body_over_the_limit_gets_413()
    {
        using HttpClientProbe c = _server.Connect();
        c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8000\r\n" + new string('x', 0x8000) + "\r\n8001\r\n");
        Assert.Equal(413, c.Read().Status);
        Assert.True(c.ClosedWithin(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_streaming_handler_sends_chunks_to_HTTP_1_1_and_a_close_delimited_body_to_HTTP_1_0()
    {
        using (HttpClientProbe c = _server.Connect())
        {
            c.Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
            HttpReply r = c.Read();
            Assert.Equal("chunked", r.Header("Transfer-Encoding"));
            Assert.Equal("part 0\npart 1\npart 2\n", r.Text);
            c.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            Assert.Equal("root\n", c.Read().Text); // the connection is reusable after the last chunk
        }
        using (HttpClientProbe c = _server.Connect())
        {
            c.Send("GET /stream HTTP/1.0\r\n\r\n");
            HttpReply r = c.Read();
            Assert.StartsWith("HTTP/1.0 200 OK", r.Head);
            Assert.Null(r.Header("Transfer-Encoding"));
            Assert.Equal("part 0\npart 1\npart 2\n", r.Text);
        }
    }

    [Fact]
    public void Pipelined_requests_are_answered_in_order_and_Connection_close_ends_the_pipeline()
    {
        using HttpClientProbe c = _server.Connect();
        var pipeline = new StringBuilder();
        for (int i = 0; i < 50; i++) pipeline.Append($"GET /items/{i} HTTP/1.1\r\nHost: t\r\n\r\n");
        pipeline.Append("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz");
        pipeline.Append("GET /items/last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        pipeline.Append("GET /items/never HTTP/1.1\r\nHost: t\r\n\r\n");
        c.Send(pipeline.ToString());
        for (int i = 0; i < 50; i++) Assert.Equal($"item {i}", c.Read().Text);
        Assert.Equal("xyz", c.Read().Text);
        HttpReply last = c.Read();
        Assert.Equal("item last", last.Text);
        Assert.Equal("close", last.Header("Connection"));
        Assert.True(c.ClosedWithin(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void HTTP_1_0_closes_unless_it_asks_for_keep_alive()
    {
        using (HttpClientProbe c = _server.Connect())
        {
            c.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            Assert.Equal("keep-alive", c.Read().Header("Connection"));
            c.Send("GET / HTTP/1.0\r\n\r\n");
            Assert.Equal("close", c.Read().Header("Connection"));
            Assert.True(c.ClosedWithin(TimeSpan.FromSeconds(1)));
        }
    }

    [Fact]
    public void A_handler_that_throws_gets_500_and_a_close_and_the_server_keeps_serving()
    {
        using (HttpClientProbe c = _server.Connect())
        {
            c.Send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n");
            HttpReply r = c.Read();
            Assert.Equal(500, r.Status);
            Assert.True(c.ClosedWithin(TimeSpan.FromSeconds(1)));
        }
        Assert.Equal(1, _server.Server.Counters.HandlerFailures);
        using HttpClientProbe next = _server.Connect();
        next.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(200, next.Read().Status);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Each_hostile_request_gets_its_status_and_a_close_within_a_second_plus_load_and_the_server_keeps_serving(string name)
    {
        HostileRequests.Case hostile = HostileRequests.All().Single(c => c.Name == name);
        using var server = new HostedHttpServer(HostileRequests.ShortDeadlines);
        TimeSpan before = HostileRequests.NormalRoundTrip(server.Port);
        using (HttpClientProbe c = server.Connect())
        {
            var sw = Stopwatch.StartNew();
            c.Send(hostile.Bytes);
            HttpReply r = c.Read();
            Assert.Equal(hostile.Status, r.Status);
            Assert.Equal("close", r.Header("Connection"));
            Assert.True(c.ClosedWithin(TimeSpan.FromSeconds(10)), "the connection stayed open after the error");
            TimeSpan elapsed = sw.Elapsed, afterTrip = HostileRequests.NormalRoundTrip(server.Port);
            TimeSpan allowed = HostileRequests.Allowance(before > afterTrip ? before : afterTrip);
            Assert.True(elapsed < allowed, $"answered and closed after {elapsed.TotalMilliseconds:F0} ms (allowed {allowed.TotalMilliseconds:F0} ms)");
        }
        using HttpClientProbe after = server.Connect();
        after.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(200, after.Read().Status);
    }

    [Fact]
    public void Deadlines_count_in_the_counters_and_an_idle_keep_alive_connection_is_closed_silently()
    {
        using HttpClientProbe c = _server.Connect();
        c.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(200, c.Read().Status);
        var sw = Stopwatch.StartNew();
        Assert.True(c.ClosedWithin(TimeSpan.FromSeconds(3)), "an idle keep-alive connection stayed open");
        Assert.InRange(sw.ElapsedMilliseconds, 600, 2500); // http_idle_ms=800
        Assert.True(_server.Server.Counters.TimedOut >= 1);
    }

    public void Dispose() => _server.Dispose();
}

/// <summary>Connection and header limits that need their own settings.</summary>
[Trait("Category", "unit")]
public sealed class HttpLimitTests
{
    [Fact]
    public void Connections_beyond_the_limit_get_503_and_a_close_while_the_others_are_served()
    {
        using var server = new HostedHttpServer("http_max_connections=2");
        using HttpClientProbe a = server.Connect();
        using HttpClientProbe b = server.Connect();
        a.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(200, a.Read().Status);
        b.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(200, b.Read().Status);
        using HttpClientProbe third = server.Connect();
        HttpReply refused = third.Read();
        Assert.Equal(503, refused.Status);
        Assert.True(third.ClosedWithin(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, server.Server.Counters.Refused);
        a.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(200, a.Read().Status);
    }

    [Fact]
    public void Configured_header_count_and_target_limits_give_431_and_414()
    {
        using var server = new HostedHttpServer("http_max_headers=3", "http_max_target=64");
        using (HttpClientProbe c = server.Connect())
        {
            c.Send("GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\n\r\n");
            Assert.Equal(200, c.Read().Status);
            c.Send("GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
            Assert.Equal(431, c.Read().Status);
        }
        using (HttpClientProbe c = server.Connect())
        {
            c.Send("GET /" + new string('a', 64) + " HTTP/1.1\r\nHost: t\r\n\r\n");
            Assert.Equal(414, c.Read().Status);
        }
    }

    [Fact]
    public void A_body_that_keeps_the_configured_pace_is_not_cut_off_by_the_progress_deadline()
    {
        using var server = new HostedHttpServer("http_body_interval_ms=400", "http_body_min_bytes=1");
        using HttpClientProbe c = server.Connect();
        c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\n");
        for (int i = 0; i < 8; i++)
        {
            Thread.Sleep(100); // a byte every 100 ms: several per 400 ms interval, 800 ms in all
            c.Send("x");
        }
        Assert.Equal("xxxxxxxx", c.Read().Text);
        Assert.Equal(0, server.Server.Counters.TimedOut);
    }

    [Fact]
    public void Bad_settings_say_which_and_what_to_use()
    {
        var e = Assert.Throws<ArgumentException>(() => new HostedHttpServer("http_max_body=lots"));
        Assert.Contains("http_max_body=lots", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new HostedHttpServer("http_max_target=9000"));
        Assert.Contains("http_max_header_bytes", e.Message, StringComparison.Ordinal);
    }
}
