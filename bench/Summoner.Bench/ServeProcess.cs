using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Summoner.Bench;

/// <summary>
/// A `summoner serve` child process on a configuration written for the benchmark run (its own
/// state directory, free loopback ports and loopback range), plus the client calls scenarios use.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>False when the caller owns <see cref="Directory"/> (a state directory that outlives this serve).</summary>
    private readonly bool _ownsDirectory;

    private ServeProcess(Process process, string directory, bool ownsDirectory, int dnsPort, int metricsPort)
    {
        _process = process;
        _ownsDirectory = ownsDirectory;
        Directory = directory;
        DnsPort = dnsPort;
        MetricsPort = metricsPort;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Directory { get; }
    public int DnsPort { get; }
    public int MetricsPort { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Starts serve with <paramref name="servicesToml"/> as its [[service]] entries, in a new
    /// directory, or in <paramref name="directory"/> (kept when this serve stops) to restart serve on
    /// the state an earlier one left.</summary>
    public static async Task<ServeProcess> StartAsync(string summonerDll, string servicesToml, string accelerator, string guestMemory = "4GiB", int runningGuests = 64,
        string? directory = null, CancellationToken cancellationToken = default)
    {
        string dir = directory ?? System.IO.Directory.CreateTempSubdirectory("summoner-bench-").FullName;
        int dns = FreePort(), metrics = FreePort();
        int range = 150 + Environment.ProcessId % 50;
        string toml = $"""
            [dns]
            listen = "127.0.0.1:{dns}"
            zone = "bench.test"
            ns = ["ns1.bench.test"]
            service_ttl = "1s"
            answer_deadline = "30s"
            [libvirt]
            state_dir = "state"
            accelerator = "{accelerator}"
            [network]
            loopback_range = "127.{range}.0.0/16"
            [limits]
            concurrent_boots = 8
            running_guests = {runningGuests}
            guest_memory = "{guestMemory}"
            [metrics]
            listen = "127.0.0.1:{metrics}"
            [defaults]
            idle_timeout = "10m"
            boot_deadline = "30s"
            {servicesToml}
            """;
        string config = Path.Combine(dir, "summoner.toml");
        await File.WriteAllTextAsync(config, toml, cancellationToken).ConfigureAwait(false);
        // A summoner.dll runs on the dotnet host; anything else is taken for a native build of it.
        bool managed = summonerDll.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(managed ? "dotnet" : summonerDll) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in managed ? [summonerDll, "serve", "--config", config] : new[] { "serve", "--config", config }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start summoner serve");
        var serve = new ServeProcess(p, dir, directory is null, dns, metrics);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!serve.Output.Contains("summoner: serving zone", StringComparison.Ordinal))
        {
            if (p.HasExited || DateTime.UtcNow > deadline)
            {
                p.WaitForExit(1000);
                throw new InvalidOperationException("summoner serve did not start:\n" + serve.Output);
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        return serve;
    }

    /// <summary>One A query over UDP; returns the address or throws with the rcode.</summary>
    public async Task<IPAddress> QueryAsync(string name, CancellationToken cancellationToken)
    {
        (int rcode, IPAddress? address) = await Dns.QueryAAsync(DnsPort, name, cancellationToken).ConfigureAwait(false);
        return address ?? throw new InvalidOperationException($"{name}: rcode {rcode}\n" + LastLines(15));
    }

    /// <summary>A control API request with the daemon's token (serve writes it to its state directory at start).</summary>
    private HttpRequestMessage Control(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri($"http://127.0.0.1:{MetricsPort}{path}"));
        string token = File.ReadAllText(Path.Combine(Directory, "state", "control.token")).Trim();
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public async Task StopServiceAsync(string service, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = Control(HttpMethod.Post, $"/api/services/{service}/stop");
        using HttpResponseMessage r = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        r.EnsureSuccessStatusCode();
    }

    /// <summary>The service's row of /api/services.</summary>
    public async Task<JsonElement> StatusAsync(string service, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = Control(HttpMethod.Get, "/api/services");
        using HttpResponseMessage r = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        r.EnsureSuccessStatusCode();
        JsonElement rows = await r.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        return rows.EnumerateArray().First(e => e.GetProperty("name").GetString() == service);
    }

    public async Task WaitForAsync(string service, Func<JsonElement, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(await StatusAsync(service, cancellationToken).ConfigureAwait(false)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{service} did not reach the expected state in {timeout}\n" + LastLines(15));
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<string> MetricsAsync(CancellationToken cancellationToken) =>
        _http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"), cancellationToken);

    public string LastLines(int n)
    {
        string[] lines = Output.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - n)));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) { }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { _process.Kill(true); }
        }
        _process.Dispose();
        _http.Dispose();
        if (_ownsDirectory) DeleteDirectory(Directory);
    }

    /// <summary>Removes a bench directory; what cannot be removed stays in /tmp.</summary>
    public static void DeleteDirectory(string directory)
    {
        // serve keeps libvirt's run/ in a tmpfs directory of its own, linked from the state
        // directory (Summoner.Libvirt RunDirectory): it goes with the state it belongs to.
        try
        {
            var run = new DirectoryInfo(Path.Combine(directory, "state", "libvirt", "run"));
            if (run.LinkTarget is { } target) System.IO.Directory.Delete(Path.GetFullPath(target, run.Parent!.FullName), recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        try { System.IO.Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A bare DNS A query over UDP (the benchmark times it without a dig process in the way).</summary>
public static class Dns
{
    private static int s_id;

    public static async Task<(int Rcode, IPAddress? Address)> QueryAAsync(int port, string name, CancellationToken cancellationToken)
    {
        ushort id = (ushort)Interlocked.Increment(ref s_id);
        var q = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            q.Add((byte)label.Length);
            q.AddRange(Encoding.ASCII.GetBytes(label));
        }
        q.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(IPAddress.Loopback, port);
        await udp.SendAsync(q.ToArray(), cancellationToken).ConfigureAwait(false);
        UdpReceiveResult r = await udp.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        byte[] m = r.Buffer;
        if (m.Length < 12 || (m[0] << 8 | m[1]) != id) throw new InvalidDataException("DNS response does not match the query");
        int rcode = m[3] & 0x0f;
        int answers = m[6] << 8 | m[7];
        return (rcode, rcode == 0 && answers == 1 ? new IPAddress(m.AsSpan(m.Length - 4, 4)) : null);
    }
}
