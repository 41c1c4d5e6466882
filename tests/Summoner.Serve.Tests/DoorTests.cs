using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>
/// Wake on connect (loopback mode): a client that holds an address, however old, is served. The
/// door owns each service's address; a connection while no guest runs summons one and waits.
/// </summary>
[Trait("Category", "qemu")]
public sealed class DoorTests
{
    private readonly ITestOutputHelper _out;

    public DoorTests(ITestOutputHelper output) { _out = output; }

    [Fact]
    public async Task A_client_with_the_old_address_after_a_stop_gets_200_from_one_new_boot()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync();
        IPAddress address = await DigAsync(d, "hello");
        Assert.Equal("200", await CurlAsync(address, 80));
        Assert.Equal(0, (await d.SummonerAsync("stop", "hello")).Exit);
        await WaitAsync(() => StateAsync(d, "hello", "cold"), TimeSpan.FromSeconds(10));

        Assert.Equal("200", await CurlAsync(address, 80));
        string metrics = await MetricsAsync(d);
        Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"dns\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"connect\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summons_total{service=\"hello\",result=\"ready\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_door_held_total{service=\"hello\"} 1", metrics, StringComparison.Ordinal);
        // ps names the address the client holds, with or without a guest.
        Assert.Equal(0, (await d.SummonerAsync("stop", "hello")).Exit);
        await WaitAsync(() => StateAsync(d, "hello", "cold"), TimeSpan.FromSeconds(10));
        Assert.Matches(@"hello\s+cold\s+" + System.Text.RegularExpressions.Regex.Escape(address.ToString()), (await d.SummonerAsync("ps")).Stdout);
    }

    [Fact]
    public async Task A_client_with_the_old_address_after_the_idle_reap_gets_200()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(idleTimeout: "300ms");
        IPAddress address = await DigAsync(d, "hello");
        Assert.Equal("200", await CurlAsync(address, 80));
        await WaitAsync(() => StateAsync(d, "hello", "cold"), TimeSpan.FromSeconds(20));
        Assert.Equal("200", await CurlAsync(address, 80));
        string metrics = await MetricsAsync(d);
        Assert.Contains("summoner_reaps_total{service=\"hello\",reason=\"idle\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"connect\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_sent_to_a_cold_echo_before_its_guest_is_up_come_back_exactly()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(idleTimeout: "300ms");
        IPAddress address = await AddressAsync(d, "echo");
        byte[] sent = new byte[3000];
        new Random(14).NextBytes(sent);
        for (int round = 0; round < 2; round++)
        {
            Assert.True(await StateAsync(d, "echo", "cold"), d.Output);
            using var client = new TcpClient();
            await client.ConnectAsync(address, 7);
            NetworkStream stream = client.GetStream();
            // All of it goes before any guest exists; the door must deliver it in order once one does.
            await stream.WriteAsync(sent.AsMemory(0, 1000));
            await stream.WriteAsync(sent.AsMemory(1000));
            byte[] got = new byte[sent.Length];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            await stream.ReadExactlyAsync(got, timeout.Token);
            Assert.Equal(sent, got);
            client.Close();
            await WaitAsync(() => StateAsync(d, "echo", "cold"), TimeSpan.FromSeconds(20));
        }
        Assert.Contains("summoner_summons_triggered_total{service=\"echo\",trigger=\"connect\"} 2", await MetricsAsync(d), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_never_asked_dns_gets_200_from_a_cold_service()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync();
        IPAddress address = await AddressAsync(d, "hello");
        Assert.Empty(d.QemuPids());
        var sw = Stopwatch.StartNew();
        Assert.Equal("200", await CurlAsync(address, 80));
        _out.WriteLine($"connect-triggered cold summon: first HTTP response in {sw.Elapsed.TotalMilliseconds:F0} ms");
        string metrics = await MetricsAsync(d);
        Assert.DoesNotContain("trigger=\"dns\"", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"connect\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hundred_concurrent_connections_to_a_cold_service_all_get_200_from_one_boot()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync();
        IPAddress address = await AddressAsync(d, "hello");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 200, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(60) };
        var uri = new Uri($"http://{address}:80/");
        HttpStatusCode[] codes = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.ConnectionClose = true;
            using HttpResponseMessage response = await http.SendAsync(request);
            return response.StatusCode;
        }));
        Assert.All(codes, c => Assert.Equal(HttpStatusCode.OK, c));
        Assert.Single(d.QemuPids());
        string metrics = await MetricsAsync(d);
        Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"connect\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summons_total{service=\"hello\",result=\"ready\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_held_for_a_service_that_fails_to_boot_is_reset_within_the_deadline_and_counted()
    {
        // faulttest panics on fault=null: the guest exits during boot.
        string broken = $"""
            [[service]]
            name = "broken"
            image = "{Summoner.Testing.RepoPaths.Image("faulttest")}"
            ports = [80]
            command_line = "fault=null"
            boot_deadline = "15s"
            """;
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: broken);
        IPAddress address = await AddressAsync(d, "broken");
        using var client = new TcpClient();
        var sw = Stopwatch.StartNew();
        await client.ConnectAsync(address, 80);
        await client.GetStream().WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        int n;
        try { n = await client.GetStream().ReadAsync(new byte[100], timeout.Token); }
        catch (IOException) { n = 0; }
        _out.WriteLine($"held connection closed after {sw.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(0, n);
        // dns answer_deadline (20 s, the cap wait) + boot_deadline (15 s) bound the hold; the panic ends it long before.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(35), $"held {sw.Elapsed}");
        Assert.Contains("summoner_door_refused_total{service=\"broken\",reason=\"boot_failed\"} 1", await MetricsAsync(d), StringComparison.Ordinal);
        Assert.Contains("broken: closed a connection on port 80", d.Output, StringComparison.Ordinal);
    }

    // No DNS between cycles: each connect finds the service cold and summons it.
    [Fact]
    public async Task Fifty_summon_reap_connect_cycles_without_dns_never_fail()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(idleTimeout: "200ms");
        IPAddress address = await AddressAsync(d, "hello");
        var failures = new List<string>();
        var latencies = new List<double>();
        for (int cycle = 0; cycle < 50; cycle++)
        {
            var sw = Stopwatch.StartNew();
            string code = await CurlAsync(address, 80);
            latencies.Add(sw.Elapsed.TotalMilliseconds);
            if (code != "200") failures.Add($"cycle {cycle}: {code}");
            await WaitAsync(() => StateAsync(d, "hello", "cold"), TimeSpan.FromSeconds(20));
        }
        latencies.Sort();
        _out.WriteLine($"50 connect-triggered cycles: median {latencies[25]:F0} ms, max {latencies[^1]:F0} ms");
        Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n" + d.Output);
        string metrics = await MetricsAsync(d);
        Assert.Contains("summoner_summons_triggered_total{service=\"hello\",trigger=\"connect\"} 50", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_reaps_total{service=\"hello\",reason=\"idle\"} 50", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_relayed_connection_keeps_its_guest_from_the_idle_reap()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(idleTimeout: "300ms");
        IPAddress address = await AddressAsync(d, "echo");
        using var client = new TcpClient();
        await client.ConnectAsync(address, 7);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync("a"u8.ToArray());
        Assert.Equal((byte)'a', (byte)stream.ReadByte());
        // Quiet but open, well past idle timeout + TTL: still ready, and the connection still echoes.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(await StateAsync(d, "echo", "ready"), d.Output);
        await stream.WriteAsync("b"u8.ToArray());
        Assert.Equal((byte)'b', (byte)stream.ReadByte());
        client.Close();
        await WaitAsync(() => StateAsync(d, "echo", "cold"), TimeSpan.FromSeconds(20));
    }

    internal static async Task<IPAddress> DigAsync(ServeDaemon d, string service)
    {
        var (rcode, address) = await UdpQuery.AAsync(d.DnsPort, service + ".summoner.test", TimeSpan.FromSeconds(30));
        Assert.True(rcode == 0 && address is not null, $"rcode {rcode}\n{d.Output}");
        Assert.Equal(await AddressAsync(d, service), address);
        return address!;
    }

    internal static async Task<IPAddress> AddressAsync(ServeDaemon d, string service)
    {
        using JsonDocument doc = JsonDocument.Parse(await d.ControlGetAsync("/api/services"));
        JsonElement row = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == service);
        return IPAddress.Parse(row.GetProperty("address").GetString()!);
    }

    internal static async Task<bool> StateAsync(ServeDaemon d, string service, string state)
    {
        using JsonDocument doc = JsonDocument.Parse(await d.ControlGetAsync("/api/services"));
        return doc.RootElement.EnumerateArray().Any(e => e.GetProperty("name").GetString() == service && e.GetProperty("state").GetString() == state);
    }

    private static async Task<string> CurlAsync(IPAddress address, int port)
    {
        var curl = await ServeDaemon.RunAsync("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-m", "40", $"http://{address}:{port}/");
        return curl.Stdout + (curl.Exit == 0 ? "" : " " + curl.Stderr.Trim());
    }

    private static Task<string> MetricsAsync(ServeDaemon d) => d.ControlGetAsync("/metrics");

    internal static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within " + timeout);
            await Task.Delay(50);
        }
    }
}
