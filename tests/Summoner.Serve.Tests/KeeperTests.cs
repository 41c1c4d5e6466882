using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>
/// The keeper (`summoner keeper`, started by serve) holds the daemon's listening sockets: across a
/// SIGKILL of serve and a restart on the same state directory, clients see no failure; it follows
/// reloads, ends with a clean stop, and frees the ports when no daemon comes back.
/// </summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class KeeperTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    private sealed record Fetch(string Client, DateTime Started, TimeSpan Took, bool Ok, string Detail);

    /// <summary>One curl fetch of the page on a new connection (connect timeout 10 s).</summary>
    private static async Task<Fetch> CurlAsync(IPAddress address)
    {
        DateTime started = DateTime.UtcNow;
        var sw = Stopwatch.StartNew();
        var r = await ServeDaemon.RunAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--connect-timeout", "10", "-m", "30", $"http://{address}:80/");
        return new Fetch("curl", started, sw.Elapsed, r.Stdout == "200", $"exit {r.Exit} http {r.Stdout}");
    }

    /// <summary>curl fetches of the page until stopped, each a new connection.</summary>
    private static async Task<List<Fetch>> CurlLoopAsync(IPAddress address, CancellationToken stop)
    {
        var fetches = new List<Fetch>();
        while (!stop.IsCancellationRequested)
        {
            fetches.Add(await CurlAsync(address));
            await Task.Delay(20, CancellationToken.None);
        }
        return fetches;
    }

    /// <summary>One line through the echo service on a new connection (connect timeout 10 s, answer within 30 s).</summary>
    private static async Task<Fetch> EchoAsync(IPAddress address, string line)
    {
        DateTime started = DateTime.UtcNow;
        var sw = Stopwatch.StartNew();
        bool ok = false;
        string detail = "";
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                await socket.ConnectAsync(new IPEndPoint(address, 7), connect.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes(line));
            using var answer = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var got = new StringBuilder();
            byte[] buffer = new byte[256];
            while (got.Length < line.Length)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, answer.Token);
                if (n == 0) break;
                got.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            ok = got.ToString() == line;
            detail = "got " + got.ToString().Trim();
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            detail = ex.Message;
        }
        return new Fetch("echo", started, sw.Elapsed, ok, detail);
    }

    /// <summary>Lines through the echo service until stopped, each on a new connection.</summary>
    private static async Task<List<Fetch>> EchoLoopAsync(IPAddress address, CancellationToken stop)
    {
        var fetches = new List<Fetch>();
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            fetches.Add(await EchoAsync(address, $"keeper {i}\n"));
            await Task.Delay(20, CancellationToken.None);
        }
        return fetches;
    }

    [Fact]
    public async Task Across_a_sigkill_and_a_restart_client_loops_see_no_failure_queued_dns_queries_are_answered_and_sigterm_frees_the_ports()
    {
        ServeDaemon first = await ServeDaemon.StartAsync(idleTimeout: "5m");
        ServeDaemon? second = null;
        try
        {
            Assert.Contains("keeper: pid", first.Output, StringComparison.Ordinal);
            int keeper = Assert.Single(ServeDaemon.KeeperPids(first.StateDirectory));
            var hello = await UdpQuery.AAsync(first.DnsPort, "hello.summoner.test", Boot);
            var echo = await UdpQuery.AAsync(first.DnsPort, "echo.summoner.test", Boot);
            Assert.Equal((0, 0), (hello.Rcode, echo.Rcode));
            int[] qemus = [.. first.QemuPids().Order()];
            Assert.Equal(2, qemus.Length);

            using var stopLoops = new CancellationTokenSource();
            Task<List<Fetch>> curl = CurlLoopAsync(hello.Address!, stopLoops.Token);
            Task<List<Fetch>> echoes = EchoLoopAsync(echo.Address!, stopLoops.Token);
            await Task.Delay(1000);
            DateTime killing = DateTime.UtcNow;
            first.Kill();
            DateTime killed = DateTime.UtcNow;
            await Task.Delay(300);
            // Sent while no daemon runs: they wait in the kept sockets' queues.
            // The loops' fetch in flight at the kill waits out the whole gap, so whether a loop starts one
            // inside it is a race; these are started inside it for certain.
            Task<Fetch> curlWhileDown = CurlAsync(hello.Address!);
            Task<Fetch> echoWhileDown = EchoAsync(echo.Address!, "while down\n");
            Task<(int Rcode, IPAddress? Address)> udpWhileDown = UdpQuery.AAsync(first.DnsPort, "hello.summoner.test", TimeSpan.FromSeconds(60));
            Task<(int Exit, string Stdout, string Stderr)> tcpWhileDown = first.DigAsync("echo.summoner.test", "+tcp", "+short");
            await Task.Delay(1500);
            Assert.Equal(new[] { keeper }, ServeDaemon.KeeperPids(first.StateDirectory));
            second = await ServeDaemon.StartAsync(directory: first.Directory, range: first.RangeOctet, dnsPort: first.DnsPort, metricsPort: first.MetricsPort, idleTimeout: "5m");
            DateTime serving = DateTime.UtcNow;
            await Task.Delay(1500);
            await stopLoops.CancelAsync();
            List<Fetch> fetches = [.. await curl, .. await echoes];

            var down = fetches.Where(f => f.Started >= killed && f.Started < serving).ToList();
            Fetch longest = fetches.MaxBy(f => f.Took)!;
            output.WriteLine($"no daemon for {(serving - killed).TotalMilliseconds:F0} ms (kill to the restarted daemon's welcome); {fetches.Count} fetches " +
                $"({fetches.Count(f => f.Client == "curl")} curl, {fetches.Count(f => f.Client == "echo")} echo), {down.Count} started while no daemon ran, " +
                $"{fetches.Count(f => !f.Ok)} failed; longest {longest.Client} {longest.Took.TotalMilliseconds:F0} ms (started {longest.Started:HH:mm:ss.fff})");
            // A connection the dead daemon was relaying dies with it (its sockets were the daemon's alone):
            // only one in flight at the kill may fail. Every other, above all those started while no daemon ran, must not.
            bool InFlightAtKill(Fetch f) => f.Started <= killed && f.Started + f.Took >= killing;
            output.WriteLine($"{fetches.Count(f => InFlightAtKill(f) && !f.Ok)} in flight at the kill failed");
            Assert.All(fetches.Where(f => !InFlightAtKill(f)), f => Assert.True(f.Ok, $"{f.Client} started {f.Started:HH:mm:ss.fff} failed after {f.Took.TotalMilliseconds:F0} ms: {f.Detail}\n{second.Output}"));
            Fetch[] whileDown = [await curlWhileDown, await echoWhileDown];
            Assert.All(whileDown, f => Assert.True(f.Ok, $"{f.Client} started while no daemon ran ({f.Started:HH:mm:ss.fff}) failed after {f.Took.TotalMilliseconds:F0} ms: {f.Detail}\n{second.Output}"));
            Assert.All(whileDown, f => Assert.True(f.Started >= killed && f.Started < serving, $"{f.Client} started at {f.Started:HH:mm:ss.fff}, not while no daemon ran"));
            Assert.True(fetches.Count(f => f.Started >= serving) >= 4, "too few fetches after the restart to prove anything");

            var udp = await udpWhileDown;
            var tcp = await tcpWhileDown;
            output.WriteLine($"while down: UDP query → rcode {udp.Rcode} {udp.Address}; TCP query → {tcp.Stdout.Trim()}");
            Assert.Equal((0, hello.Address), (udp.Rcode, udp.Address));
            Assert.Equal(echo.Address!.ToString(), tcp.Stdout.Trim());

            // The same guests and sockets: nothing booted, every socket came back from the same keeper.
            Assert.Contains("keeper: took back 4 listening sockets", second.Output, StringComparison.Ordinal);
            Assert.Equal(new[] { keeper }, ServeDaemon.KeeperPids(first.StateDirectory));
            Assert.Equal(qemus, second.QemuPids().Order());
            string metrics = await second.ControlGetAsync("/metrics");
            Assert.DoesNotContain("summoner_summons_triggered_total{", metrics, StringComparison.Ordinal);
            Assert.DoesNotContain("create took", second.Output, StringComparison.Ordinal);

            // A clean stop ends the keeper: the ports are free (refused, bindable) at once.
            int exit = await second.StopAsync();
            Assert.True(exit == 0, $"the restarted daemon exited {exit} on SIGTERM:\n{second.Output}");
            Assert.True(await WaitAsync(() => ServeDaemon.KeeperPids(first.StateDirectory).Count == 0, TimeSpan.FromSeconds(10)),
                "the keeper outlived a clean stop");
            Assert.Equal(SocketError.ConnectionRefused, await ConnectAsync(hello.Address!, 80));
            Assert.Equal(SocketError.ConnectionRefused, await ConnectAsync(echo.Address!, 7));
            using (var dnsUdp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
                dnsUdp.Bind(new IPEndPoint(IPAddress.Loopback, first.DnsPort));
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
            await first.DisposeAsync();
            ServeDaemon.KillKeepers(first.StateDirectory);
        }
    }

    [Fact]
    public async Task A_reload_that_removes_a_service_makes_the_keeper_close_its_port()
    {
        ServeDaemon d = await ServeDaemon.StartAsync();
        try
        {
            IPAddress echo = await WelcomeAddressAsync(d, 7), hello = await WelcomeAddressAsync(d, 80);
            Assert.Equal(SocketError.Success, await ConnectAsync(echo, 7));
            // echo is the file's last service: cut it off.
            string toml = await File.ReadAllTextAsync(d.ConfigPath);
            await File.WriteAllTextAsync(d.ConfigPath, toml[..toml.LastIndexOf("[[service]]", StringComparison.Ordinal)]);
            var reload = await d.SummonerAsync("reload");
            Assert.Equal(0, reload.Exit);
            Assert.Contains("service echo: removed", reload.Stdout, StringComparison.Ordinal);

            // Its port closes once it is drained (no guest ran: at once); with the keeper's copy left open it would accept forever.
            var sw = Stopwatch.StartNew();
            Assert.True(await WaitAsync(async () => await ConnectAsync(echo, 7) == SocketError.ConnectionRefused, TimeSpan.FromSeconds(30)),
                $"{echo}:7 still accepts after the reload removed echo\n{d.Output}");
            output.WriteLine($"echo's port refused {sw.Elapsed.TotalMilliseconds:F0} ms after the reload returned");
            Assert.Contains($"dropped tcp {echo}:7", await File.ReadAllTextAsync(Path.Combine(d.StateDirectory, "keeper", "keeper.log")), StringComparison.Ordinal);
            Assert.Equal(SocketError.Success, await ConnectAsync(hello, 80));

            // A restart takes back only what the keeper still holds (DNS and hello: 3).
            d.Kill();
            await using ServeDaemon again = await ServeDaemon.StartAsync(directory: d.Directory, range: d.RangeOctet, dnsPort: d.DnsPort, metricsPort: d.MetricsPort,
                extraServiceToml: "");
            Assert.Contains("keeper: took back 3 listening sockets", again.Output, StringComparison.Ordinal);
        }
        finally
        {
            await d.DisposeAsync();
            ServeDaemon.KillKeepers(d.StateDirectory);
        }
    }

    [Fact]
    public async Task A_second_serve_on_the_same_state_directory_is_refused_naming_the_first_which_serves_on()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync();
        // Three times: whether the keeper's "busy" and close come before or after the new daemon's
        // "take" is a race, and each order once lost the refusal (the daemon went on without a keeper).
        for (int i = 0; i < 3; i++)
        {
            var second = await ServeDaemon.RunAsync(TimeSpan.FromSeconds(60), "dotnet", ServeDaemon.SummonerDll, "serve", "--config", d.ConfigPath);
            Assert.NotEqual(0, second.Exit);
            Assert.Contains($"another summoner serve (pid {d.Pid}) is running on state directory {d.StateDirectory}", second.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("serving without it", second.Stderr, StringComparison.Ordinal);
        }
        var dig = await d.DigAsync("hello.summoner.test", "+short");
        Assert.NotNull(ServeDaemon.FirstAddress(dig.Stdout));
        Assert.Single(ServeDaemon.KeeperPids(d.StateDirectory));
    }

    [Fact]
    public async Task A_keeper_whose_daemon_does_not_come_back_frees_the_ports_after_its_linger()
    {
        // A keeper with a short linger started first: serve finds it and keeps its sockets there.
        string directory = ServeDaemon.ScratchDirectory("summoner-keeper-");
        string keeperDirectory = Path.Combine(directory, "state", "keeper");
        Directory.CreateDirectory(keeperDirectory);
        using Process keeperProcess = ServeDaemon.StartProcess("", "keeper", "--dir", keeperDirectory, "--linger", "3");
        Assert.True(await WaitAsync(() => File.Exists(Path.Combine(keeperDirectory, "keeper.sock")), TimeSpan.FromSeconds(30)), "the keeper did not start");
        ServeDaemon d = await ServeDaemon.StartAsync(directory: directory);
        try
        {
            Assert.Contains($"keeper: pid {keeperProcess.Id} holds this daemon's 4 listening sockets", d.Output, StringComparison.Ordinal);
            IPAddress hello = await WelcomeAddressAsync(d, 80);
            d.Kill();
            var killed = Stopwatch.StartNew();
            await Task.Delay(500);
            // Held: the kernel completes the handshake into the kept backlog.
            Assert.Equal(SocketError.Success, await ConnectAsync(hello, 80));
            Assert.True(await WaitAsync(() => keeperProcess.HasExited, TimeSpan.FromSeconds(30)), "the keeper did not end after its linger");
            output.WriteLine($"keeper ended {killed.Elapsed.TotalMilliseconds:F0} ms after the daemon's SIGKILL (linger 3 s)");
            Assert.True(killed.Elapsed >= TimeSpan.FromSeconds(2.5), $"the keeper ended after {killed.Elapsed}, before its linger");
            Assert.Equal(SocketError.ConnectionRefused, await ConnectAsync(hello, 80));
            Assert.Contains("no daemon for 3 s: closing 4 socket(s) and exiting", await File.ReadAllTextAsync(Path.Combine(keeperDirectory, "keeper.log")), StringComparison.Ordinal);
        }
        finally
        {
            await d.DisposeAsync();
            if (!keeperProcess.HasExited) keeperProcess.Kill();
        }
    }

    /// <summary>A service's address from the daemon's welcome lines ("curl http://ADDRESS:PORT/" or "nc ADDRESS PORT").</summary>
    private static async Task<IPAddress> WelcomeAddressAsync(ServeDaemon d, int port)
    {
        // The welcome's lines follow the "serving zone" line StartAsync waited for: wait for this one too.
        var line = new System.Text.RegularExpressions.Regex($@"(?:curl http://(?<a>[0-9.]+):{port}/|nc (?<a>[0-9.]+) {port}) ");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        System.Text.RegularExpressions.Match m;
        while (!(m = line.Match(d.Output)).Success)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no welcome line for port {port}:\n{d.Output}");
            await Task.Delay(50);
        }
        return IPAddress.Parse(m.Groups["a"].Value);
    }

    /// <summary>Connects and closes at once; what the connect got (Success, ConnectionRefused, TimedOut).</summary>
    private static async Task<SocketError> ConnectAsync(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token);
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
        catch (OperationCanceledException)
        {
            return SocketError.TimedOut;
        }
    }

    private static Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout) => WaitAsync(() => Task.FromResult(condition()), timeout);

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }
}
