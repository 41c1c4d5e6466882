using System.Diagnostics;
using System.Globalization;
using System.Text;
using Summoner.Testing;

namespace Summoner.Serve.Tests;

/// <summary>
/// A real `summoner serve` process on a config written for one test: DNS and metrics on free
/// loopback ports, its own state directory (removed with its last daemon) and loopback range.
/// Disposing stops it with SIGTERM and checks that it left no QEMU behind.
/// </summary>
public sealed class ServeDaemon : IAsyncDisposable
{
    private static int s_instance;
    private static readonly Dictionary<string, int> s_scratchUsers = new(StringComparer.Ordinal);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;

    private ServeDaemon(string directory, string configPath, Process process, int dnsPort, int metricsPort, int range)
    {
        Directory = directory;
        ConfigPath = configPath;
        _process = process;
        DnsPort = dnsPort;
        MetricsPort = metricsPort;
        RangeOctet = range;
    }

    public string Directory { get; }
    public string ConfigPath { get; }
    public int DnsPort { get; }
    public int MetricsPort { get; }
    public int RangeOctet { get; }
    public string StateDirectory => Path.Combine(Directory, "state");
    public string Output { get { lock (_output) return _output.ToString(); } }
    public int Pid => _process.Id;

    /// <summary>GET on the control API with the daemon's token (what the CLI does).</summary>
    public async Task<string> ControlGetAsync(string path)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(StateDirectory, "control.token")).Trim());
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}{path}"));
    }

    /// <summary>
    /// A state directory for one test's daemons. It goes when the last daemon started on it is
    /// disposed, not when the first one is: tests start the next daemon on the same directory to
    /// check what a restart takes back. A daemon that never started is never disposed, so a failed
    /// start leaves its directory (and console logs) to look at.
    /// </summary>
    public static string ScratchDirectory(string prefix)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        lock (s_scratchUsers) s_scratchUsers[directory] = 0;
        return directory;
    }

    private static void Use(string directory, int delta)
    {
        lock (s_scratchUsers)
        {
            if (!s_scratchUsers.TryGetValue(directory, out int users)) return; // the test's own directory
            if ((s_scratchUsers[directory] = users + delta) > 0) return;
            s_scratchUsers.Remove(directory);
        }
        // A keeper left lingering by a killed daemon would write into the directory being removed, and
        // a libvirt capability probe a killed daemon left would run, paused, until the machine stops
        // (a restart on the directory ends it; nothing restarts on it any more).
        KillKeepers(Path.Combine(directory, "state"));
        KillOrphanedProbes(Path.Combine(directory, "state"));
        // The embedded driver's run/ links to a tmpfs directory outside it (RunDirectory); a later serve
        // would sweep it, but the last test of a run has no later serve.
        string? run = new FileInfo(Path.Combine(directory, "state", "libvirt", "run")).LinkTarget;
        if (run is not null && Path.GetFileName(run).StartsWith("summoner-libvirt-", StringComparison.Ordinal))
        {
            try { System.IO.Directory.Delete(run, recursive: true); }
            catch (IOException) { } // a QEMU being killed still writes there: the next serve's sweep removes it
        }
        try { System.IO.Directory.Delete(directory, recursive: true); }
        catch (IOException) { } // something still writes there: it stays in /tmp
    }

    public static string SummonerDll => Path.Combine(AppContext.BaseDirectory, "summoner.dll");

    /// <summary>Writes a config (extra TOML appended per test) and starts the daemon on it.</summary>
    public static async Task<ServeDaemon> StartAsync(string idleTimeout = "1m", string extraServiceToml = "", string networkToml = "", string? directory = null, int? range = null, int? dnsPort = null, int? metricsPort = null, string logFormat = "text", string serviceTtl = "1s", string answerDeadline = "20s", bool underNohup = false)
    {
        int n = Interlocked.Increment(ref s_instance);
        directory ??= ScratchDirectory("summoner-serve-");
        int r = range ?? 100 + (Environment.ProcessId + n * 7) % 100;
        int dns = dnsPort ?? FreePort.Loopback(), metrics = metricsPort ?? FreePort.Loopback();
        string hello = RepoPaths.Image("hello"), echo = RepoPaths.Image("echo");
        string toml = $"""
            [dns]
            listen = "127.0.0.1:{dns}"
            zone = "summoner.test"
            ns = ["ns1.summoner.test"]
            service_ttl = "{serviceTtl}"
            answer_deadline = "{answerDeadline}"
            [libvirt]
            state_dir = "state"
            accelerator = "tcg"
            [network]
            loopback_range = "127.{r}.0.0/16"
            {networkToml}
            [metrics]
            listen = "127.0.0.1:{metrics}"
            [defaults]
            idle_timeout = "{idleTimeout}"
            boot_deadline = "20s"
            [[service]]
            name = "hello"
            image = "{hello}"
            ports = [80]
            {extraServiceToml}
            [[service]]
            name = "echo"
            image = "{echo}"
            ports = [7]
            memory = "32MiB"
            """;
        string configPath = Path.Combine(directory, "summoner.toml");
        await File.WriteAllTextAsync(configPath, toml);
        Process process = StartProcess(configPath, underNohup, "serve", "--config", configPath, "--log-format", logFormat);
        var daemon = new ServeDaemon(directory, configPath, process, dns, metrics, r);
        Use(directory, +1);
        await daemon.WaitForOutputAsync("summoner: serving zone", TimeSpan.FromSeconds(60));
        return daemon;
    }

    public static Process StartProcess(string configPath, params string[] command) => StartProcess(configPath, underNohup: false, command);

    /// <summary>Starts summoner; <paramref name="underNohup"/> execs it through nohup(1), so it inherits SIGHUP ignored, as a user's `nohup summoner serve &amp;` does.</summary>
    public static Process StartProcess(string configPath, bool underNohup, params string[] command)
    {
        var psi = new ProcessStartInfo(underNohup ? "nohup" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (underNohup) psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(SummonerDll);
        foreach (string a in command.Length == 0 ? ["serve", "--config", configPath] : command) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("cannot start summoner");
    }

    private void Pump()
    {
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        if (!_pumping) { _pumping = true; Pump(); }
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // flushes the asynchronous readers
                if (Output.Contains(text, StringComparison.Ordinal)) return;
                throw new InvalidOperationException($"summoner serve exited ({_process.ExitCode}) before printing '{text}':\n{Output}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"summoner serve did not print '{text}' within {timeout}:\n{Output}");
            await Task.Delay(50);
        }
    }

    private bool _pumping;

    /// <summary>Runs a real peer (dig, curl, promtool...) and returns its stdout.</summary>
    public static Task<(int Exit, string Stdout, string Stderr)> RunAsync(string tool, params string[] args) => RunAsync(TimeSpan.FromSeconds(60), tool, args);

    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> o = p.StandardOutput.ReadToEndAsync(), e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await o, await e);
    }

    /// <summary>The first address in <c>dig +short</c> output (which may list a CNAME first), or null.</summary>
    public static System.Net.IPAddress? FirstAddress(string digShort) =>
        digShort.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Net.IPAddress.TryParse(l.Trim(), out var a) ? a : null).FirstOrDefault(a => a is not null);

    public Task<(int Exit, string Stdout, string Stderr)> DigAsync(string name, params string[] extra) =>
        RunAsync("dig", ["@127.0.0.1", "-p", DnsPort.ToString(CultureInfo.InvariantCulture), name, "+tries=1", "+time=30", .. extra]);

    public Task<(int Exit, string Stdout, string Stderr)> SummonerAsync(params string[] args) =>
        RunAsync("dotnet", [SummonerDll, .. args, "--config", ConfigPath]);

    /// <summary>QEMU processes started for this daemon's state directory.</summary>
    public IReadOnlyList<int> QemuPids() => QemuPidsUnder(StateDirectory);

    /// <summary>
    /// The guests' QEMU processes under a state directory. libvirt's capability probe (a QEMU with
    /// `-machine none` and a QMP socket in the same directory, run when the embedded driver finds
    /// no valid capability cache) is not a guest: it can still be there just after serve started,
    /// and counting it made "no guest yet" and "the same guests" checks fail now and then.
    /// </summary>
    public static IReadOnlyList<int> QemuPidsUnder(string stateDirectory) =>
        Processes(args => string.Join(' ', args) is var cmd && IsQemuUnder(cmd, stateDirectory) && !IsCapabilityProbe(cmd));

    /// <summary>Keeper processes (`summoner keeper`, which serve starts detached) of a state directory.</summary>
    public static IReadOnlyList<int> KeeperPids(string stateDirectory)
    {
        string dir = Path.Combine(stateDirectory, "keeper");
        return Processes(args => args.Contains("keeper") && args.Contains(dir));
    }

    /// <summary>Ends a keeper a test left behind (its daemon killed and not restarted), so it holds no ports for its linger.</summary>
    public static void KillKeepers(string stateDirectory) => KillAll(KeeperPids(stateDirectory));

    private static void KillOrphanedProbes(string stateDirectory) =>
        KillAll(Processes(args => string.Join(' ', args) is var cmd && IsQemuUnder(cmd, stateDirectory + "/") && IsCapabilityProbe(cmd)));

    private static bool IsQemuUnder(string cmd, string stateDirectory) =>
        cmd.Contains("qemu-system", StringComparison.Ordinal) && cmd.Contains(stateDirectory, StringComparison.Ordinal);

    private static bool IsCapabilityProbe(string cmd) => cmd.Contains(" -machine none,", StringComparison.Ordinal);

    /// <summary>Processes whose arguments (from /proc/PID/cmdline) match.</summary>
    private static List<int> Processes(Func<string[], bool> match)
    {
        var pids = new List<int>();
        foreach (string proc in System.IO.Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid)) continue;
            try
            {
                if (match(File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0'))) pids.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return pids;
    }

    private static void KillAll(IEnumerable<int> pids)
    {
        foreach (int pid in pids)
        {
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
    }

    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _process.Kill(true); }
        }
        return _process.ExitCode;
    }

    public void Kill() => _process.Kill(entireProcessTree: false);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        // A test that failed halfway must not leave guests running for the next one.
        KillAll(QemuPids());
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Use(Directory, -1);
    }
}
