using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>
/// Per-service egress through a real `summoner serve` and real nettest guests (connect=HOST:PORT
/// at start, one line out and one back): a guest connects to a cold service by name and summons
/// it, reaches a host-side listener named in its egress list, is refused with the reason for a
/// destination that is not listed, and gets the dial's failure for a listed port nobody listens on.
/// </summary>
[Trait("Category", "qemu")]
public sealed class EgressTests
{
    private readonly ITestOutputHelper _out;

    public EgressTests(ITestOutputHelper output) { _out = output; }

    internal static string NetTest(string name, string connect, string egress, int connects = 1) => $"""
        [[service]]
        name = "{name}"
        image = "{RepoPaths.Image("nettest")}"
        ports = [7]
        memory = "32MiB"
        egress = {egress}
        command_line = "connect={connect} connects={connects}"

        """;

    [Fact]
    public async Task A_guest_summons_a_cold_service_by_name_reaches_a_listed_host_listener_and_is_refused_elsewhere_with_the_reason()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int hostPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        int closedPort = FreePort.Loopback();
        const int HostConnects = 10;
        var accepts = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        using var stopping = new CancellationTokenSource();
        Task serving = ServeLinesAsync(listener, accepts, clock, stopping.Token);

        string services = NetTest("toecho", "echo.summoner.test:7", "[\"echo.summoner.test:7\"]")
            + NetTest("tohost", $"127.0.0.1:{hostPort}", $"[\"127.0.0.1:{hostPort}\"]", HostConnects)
            + NetTest("denied", "hello.summoner.test:80", "[\"echo.summoner.test:7\"]")
            + NetTest("nolisten", $"127.0.0.1:{closedPort}", $"[\"127.0.0.1:{closedPort}\"]");
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: services);
        Assert.True(await DoorTests.StateAsync(d, "echo", "cold"));

        foreach (string service in new[] { "toecho", "tohost", "denied", "nolisten" }) await DoorTests.DigAsync(d, service);

        // toecho: echo was cold; the broker dialled its entrance, the door summoned it, the line came back.
        Assert.Contains("nettest: outbound ok hello from the guest", await OutboundAsync(d, "toecho", 1), StringComparison.Ordinal);
        Assert.True(await DoorTests.StateAsync(d, "echo", "ready"), d.Output);

        string host = await OutboundAsync(d, "tohost", HostConnects);
        Assert.Equal(HostConnects, CountOf(host, "nettest: outbound ok HOST HELLO FROM THE GUEST"));

        Assert.Contains("nettest: outbound failed connection to hello.summoner.test:80 failed: egress to hello.summoner.test:80 is not in service denied's egress list: add it to summoner.toml",
            await OutboundAsync(d, "denied", 1), StringComparison.Ordinal);
        Assert.Contains($"nettest: outbound failed connection to 127.0.0.1:{closedPort} failed: cannot connect to 127.0.0.1:{closedPort}: Connection refused",
            await OutboundAsync(d, "nolisten", 1), StringComparison.Ordinal);

        string metrics = await d.ControlGetAsync("/metrics");
        Assert.Contains("summoner_egress_connections_total{service=\"toecho\",result=\"relayed\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"summoner_egress_connections_total{{service=\"tohost\",result=\"relayed\"}} {HostConnects}", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_egress_connections_total{service=\"denied\",result=\"refused\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_egress_connections_total{service=\"nolisten\",result=\"failed\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("summoner_summons_triggered_total{service=\"echo\",trigger=\"connect\"} 1", metrics, StringComparison.Ordinal);
        // The refused destination was never dialled: hello stayed cold.
        Assert.DoesNotContain("summoner_summons_triggered_total{service=\"hello\"", metrics, StringComparison.Ordinal);
        Assert.Contains("egress: denied: refused hello.summoner.test:80", d.Output, StringComparison.Ordinal);

        // Measured, not asserted: a brokered connect-and-exchange against the same exchange from the host through the door.
        TimeSpan[] brokered = [.. accepts.Zip(accepts.Skip(1), (a, b) => b - a)];
        IPAddress toHost = await DoorTests.AddressAsync(d, "tohost");
        var direct = new List<TimeSpan>();
        for (int i = 0; i < HostConnects; i++)
        {
            var one = Stopwatch.StartNew();
            using var client = new TcpClient();
            await client.ConnectAsync(toHost, 7);
            await client.GetStream().WriteAsync("hello from the host\n"u8.ToArray());
            var buffer = new byte[64];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await client.GetStream().ReadExactlyAsync(buffer.AsMemory(0, 20), timeout.Token);
            direct.Add(one.Elapsed);
        }
        _out.WriteLine($"guest->host through the egress broker, connect + one line each way, one after another: median {Median(brokered):F2} ms (n={brokered.Length})");
        _out.WriteLine($"host->guest through the door, connect + one line each way: median {Median(direct):F2} ms (n={direct.Count})");

        await stopping.CancelAsync();
        listener.Stop();
        await serving;
    }

    [Fact]
    public async Task The_notes_api_fetches_a_cold_service_through_the_broker_and_a_refused_upstream_is_a_502_with_the_reason()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml:
            NotesService("notes", "hello.summoner.test:80", "[\"hello.summoner.test:80\"]") + NotesService("blocked", "hello.summoner.test:80", "[\"echo.summoner.test:7\"]"));
        Assert.True(await DoorTests.StateAsync(d, "hello", "cold"));

        var sw = Stopwatch.StartNew();
        (int status, string body) = await GetAsync(await DoorTests.DigAsync(d, "notes"), "/upstream");
        _out.WriteLine($"notes GET /upstream with hello cold (notes boot + broker + hello boot): {sw.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(status == 200, $"{status} {body}\n{d.Output}");
        Assert.StartsWith("{\"upstream\":\"hello.summoner.test:80\",\"status\":200,\"body\":\"", body, StringComparison.Ordinal);
        Assert.Contains("hello", body, StringComparison.Ordinal);
        Assert.True(await DoorTests.StateAsync(d, "hello", "ready"));

        (int refusedStatus, string refusedBody) = await GetAsync(await DoorTests.DigAsync(d, "blocked"), "/upstream");
        Assert.Equal(502, refusedStatus);
        Assert.Contains("egress to hello.summoner.test:80 is not in service blocked's egress list: add it to summoner.toml", refusedBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_sigkill_a_restarted_daemon_takes_the_guest_back_and_its_broker_serves_it_again()
    {
        string notes = $"""
            [[service]]
            name = "notes"
            image = "{RepoPaths.Image("notes")}"
            ports = [80]
            memory = "32MiB"
            command_line = "upstream=hello.summoner.test:80"
            egress = ["hello.summoner.test:80"]

            """;
        ServeDaemon first = await ServeDaemon.StartAsync(extraServiceToml: notes);
        ServeDaemon? second = null;
        try
        {
            IPAddress address = await DoorTests.DigAsync(first, "notes");
            Assert.Equal(200, (await GetAsync(address, "/upstream")).Status);
            int[] qemus = [.. first.QemuPids().Order()];
            first.Kill();
            await Task.Delay(300);
            second = await ServeDaemon.StartAsync(directory: first.Directory, range: first.RangeOctet, dnsPort: first.DnsPort, metricsPort: first.MetricsPort, extraServiceToml: notes);
            await second.WaitForOutputAsync("egress: notes: broker attached", TimeSpan.FromSeconds(30));
            (int status, string body) = await GetAsync(address, "/upstream");
            Assert.True(status == 200, $"{status} {body}\n{second.Output}");
            // The same guests, taken back (the token is derived from the kept secret, so the fingerprint matched).
            Assert.Equal(qemus, second.QemuPids().Order());
            Assert.DoesNotContain("create took", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            ServeDaemon.KillKeepers(first.StateDirectory);
        }
    }

    [Fact]
    public async Task A_reloaded_egress_list_reaches_the_running_guest_without_a_reboot_both_ways()
    {
        static string notes(string egress) => NotesService("notes", "hello.summoner.test:80", egress);
        const string Allowed = "[\"hello.summoner.test:80\"]", Other = "[\"echo.summoner.test:7\"]";
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: notes(Allowed));
        IPAddress address = await DoorTests.DigAsync(d, "notes");
        (int status, string body) = await GetAsync(address, "/upstream");
        Assert.True(status == 200, $"{status} {body}\n{d.Output}");
        string guest = (await ReloadTests.StatusAsync(d, "notes")).GetProperty("guest").GetString()!;

        // Taken away: the running guest's next connect is refused, with the reason.
        await ReloadTests.EditAsync(d, t => t.Replace("egress = " + Allowed, "egress = " + Other, StringComparison.Ordinal));
        await ReloadTests.SighupAsync(d, "reload: 0 added, 0 removed, 1 changed");
        Assert.Contains("service notes: changed (egress): its running guest serves on as it was made; the next summon after it is reaped or stopped uses the new settings; its new egress list applies to the running guest's next connects at once",
            d.Output, StringComparison.Ordinal);
        (status, body) = await GetAsync(address, "/upstream");
        Assert.True(status == 502, $"{status} {body}\n{d.Output}");
        Assert.Contains("egress to hello.summoner.test:80 is not in service notes's egress list: add it to summoner.toml", body, StringComparison.Ordinal);

        // Given back: the same guest reaches it again.
        await ReloadTests.EditAsync(d, t => t.Replace("egress = " + Other, "egress = " + Allowed, StringComparison.Ordinal));
        await ReloadTests.SighupAsync(d, "reload: 0 added, 0 removed, 1 changed");
        (status, body) = await GetAsync(address, "/upstream");
        Assert.True(status == 200, $"{status} {body}\n{d.Output}");
        Assert.Equal(guest, (await ReloadTests.StatusAsync(d, "notes")).GetProperty("guest").GetString());
        Assert.Equal("ready", (await ReloadTests.StatusAsync(d, "notes")).GetProperty("state").GetString());
    }

    private static async Task<(int Status, string Body)> GetAsync(IPAddress address, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using HttpResponseMessage response = await http.GetAsync(new Uri($"http://{address}{path}"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static double Median(IEnumerable<TimeSpan> values)
    {
        double[] sorted = [.. values.Select(v => v.TotalMilliseconds).Order()];
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    internal static int CountOf(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>The guest's console once it printed <paramref name="lines"/> outcome lines (nettest's connects run one after another).</summary>
    internal static async Task<string> OutboundAsync(ServeDaemon d, string service, int lines)
    {
        string console = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            console = (await d.SummonerAsync("logs", service)).Stdout;
            if (CountOf(console, "nettest: outbound ") >= lines) return console;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{service} printed fewer than {lines} outbound lines:\n{console}\n{d.Output}");
    }

    /// <summary>Answers each connection's line with "HOST " and the line in upper case, noting when each was accepted.</summary>
    internal static async Task ServeLinesAsync(TcpListener listener, List<TimeSpan> accepts, Stopwatch clock, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                using TcpClient client = await listener.AcceptTcpClientAsync(stopping);
                lock (accepts) accepts.Add(clock.Elapsed);
                using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                string? line = await reader.ReadLineAsync(stopping);
                if (line is null) continue;
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("HOST " + line.ToUpperInvariant() + "\n"), stopping);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    /// <summary>An apps/notes service whose guest calls <paramref name="upstream"/>, allowed <paramref name="egress"/> (a TOML array).</summary>
    private static string NotesService(string name, string upstream, string egress) => $"""
        [[service]]
        name = "{name}"
        image = "{RepoPaths.Image("notes")}"
        ports = [80]
        memory = "32MiB"
        command_line = "upstream={upstream}"
        egress = {egress}

        """;
}
