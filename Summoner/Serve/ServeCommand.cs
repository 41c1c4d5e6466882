using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Summoner.Config;
using Summoner.Control;
using Summoner.Dns;
using Summoner.Engine;
using Summoner.Libvirt;
using Summoner.Metrics;

using Summoner.Adapters;
using Summoner.Linux;

namespace Summoner.Serve;

/// <summary>`summoner serve`: DNS for the zone, summons on demand, /metrics and the control API.</summary>
public static class ServeCommand
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "Configuration file", DefaultValueFactory = _ => SummonerConfig.DefaultFileName };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "text (one line per event) or json (one JSON object per line, with each summon phase's fields: Service, Phase, Ms, ...)",
            DefaultValueFactory = _ => "text",
        };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var command = new Command("serve", "Serve summoner.toml: answer DNS for its zone, summon services on demand, reap them when idle.") { config, logFormat };
        command.SetAction((result, ct) => RunAsync(result.GetValue(config)!, ct, json: result.GetValue(logFormat) == "json"));
        return command;
    }

    public static async Task<int> RunAsync(string configPath, CancellationToken cancellationToken, bool json = false)
    {
        // The door relays every connection to a loopback-mode guest. Run socket continuations on
        // the epoll thread instead of a thread-pool hop: in one bench door run that took the relay
        // from 0.55x to 1.18x of direct requests/s and its added median latency from 0.48 ms to
        // 0.04 ms (bench/README.md). Read once, before the first socket exists; nothing in serve
        // blocks in a socket continuation (libvirt calls and destroys run on their own tasks).
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null) Environment.SetEnvironmentVariable(InlineCompletions, "1");
        using ILoggerFactory loggers = LoggerFactory.Create(b =>
        {
            // JSON lines carry the message template's fields (Service, Phase, Ms, Guest...) as properties, for log shippers.
            if (json) b.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
            else b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            b.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
        });
        ILogger log = loggers.CreateLogger("Summoner");

        SummonerConfig config;
        try
        {
            config = SummonerConfig.Load(configPath);
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        foreach (string warning in config.Warnings) log.LogWarning("{Warning}", warning);
        foreach (ServiceConfig s in config.Services)
        {
            if (s.MissingImage(config.SourcePath) is { } missing)
            {
                Console.Error.WriteLine(missing);
                return 1;
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        // SIGHUP reloads like `summoner reload` once everything serves (its report goes to the log
        // only); taken from the start, so one sent while starting does not end the daemon.
        ConfigReload? reloader = null;
        bool hangupWasIgnored = HangupSignal.Unignore();
        using var sighup = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            if (stop.IsCancellationRequested) return;
            if (Volatile.Read(ref reloader) is { } r) _ = Task.Run(() => r.ReloadAsync(stop.Token), CancellationToken.None);
            else log.LogWarning("SIGHUP while starting: ignored; send it again once serving");
        });
        if (hangupWasIgnored) log.LogInformation("SIGHUP was ignored by the parent process (nohup?): serve takes it back, so SIGHUP reloads");

        Directory.CreateDirectory(config.Libvirt.StateDirectory);
        // Before libvirt and before any socket: the keeper (a process of its own) must inherit
        // nothing, and the door and DNS take their sockets back from it before they bind.
        Keeper.SocketKeeper keeper;
        try
        {
            keeper = Keeper.SocketKeeper.Open(config.Libvirt.StateDirectory, loggers.CreateLogger("Summoner.Keeper"));
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine("summoner: " + ex.Message);
            return 1;
        }
        // Every exit through this code, clean or failed, ends the keeper: only a daemon that dies
        // without running it (SIGKILL, a crash) leaves its ports to the next start.
        using var _keeper = keeper;
        LibvirtConnection connection;
        try
        {
            connection = OpenLibvirt(config);
        }
        catch (Exception ex) when (ex is LibvirtException or DllNotFoundException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("summoner: cannot open libvirt (" + config.Libvirt.Uri + "): " + ex.Message);
            return 1;
        }
        using var _connection = connection;
        LogRunDirectory(config, log);

        Libvirt.Accelerator accelerator = config.Libvirt.Accelerator switch
        {
            Config.Accelerator.Kvm => Libvirt.Accelerator.Kvm,
            Config.Accelerator.Tcg => Libvirt.Accelerator.Tcg,
            _ => await DecideAcceleratorAsync(connection, config, log, stop.Token).ConfigureAwait(false),
        };

        NetnsSockets? netnsSockets = null;
        INetworkPlan plan;
        if (config.Network.Mode == NetworkMode.Bridge)
        {
            BridgeConfig b = config.Network.Bridge;
            try
            {
                await BridgePlumbing.EnsureBridgeAsync(b.Name, b.Netns, b.Gateway, b.Subnet.PrefixLength, stop.Token).ConfigureAwait(false);
                if (b.Netns is not null) netnsSockets = new NetnsSockets(b.Netns);
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine("summoner: bridge network: " + ex.Message);
                return 1;
            }
            plan = new BridgeNetworkPlan(b.Name, b.Netns, b.Subnet, b.Gateway, config.Services.Select(s => s.Address));
        }
        else
        {
            plan = EngineSetup.LoopbackPlan(config);
        }
        using var _netns = netnsSockets;

        var metrics = new SummonerMetrics();
        SummonEngine? engine = null;
        var observer = new Egress.EgressObserver(new MetricsObserver(metrics, () => (engine?.GuestMemoryMiB ?? 0) << 20));
        EngineOptions options = EngineSetup.ToOptions(config) with
        {
            ProbeSockets = netnsSockets is null ? null : netnsSockets.Create,
            InstanceId = EngineSetup.InstanceId(config.Libvirt.StateDirectory),
        };
        IGuestDriver driver;
        HostSet? hosts = null;
        HostMetrics? hostMetrics = null;
        if (config.Hosts.Count > 0)
        {
            // Many hosts: placement picks each guest's host when its address is allocated. Answers name the
            // guest's address on its host unless [placement] entrance = "door" (below): then they name the
            // service's own address here, and the door relays to whichever host the guest runs on.
            hosts = HostSetup.Build(config, connection, accelerator, QemuPidDirectory(config), options.InstanceId!, loggers);
            await hosts.StartAsync(HostSetup.CheckInterval(config.Placement), config.Placement.DownAfter, stop.Token).ConfigureAwait(false);
            hostMetrics = HostMetrics.Register(metrics, hosts);
            driver = hosts;
            plan = hosts;
        }
        else
        {
            var local = new LibvirtGuestDriver(connection, accelerator, loggers.CreateLogger("Summoner.Libvirt"),
                LibvirtGuestDriver.ConsoleDirectory(config.Libvirt.StateDirectory), qemuPidDirectory: QemuPidDirectory(config));
            local.LogCapabilityMask();
            local.StartWarmUp();
            driver = local;
        }
        // The door holds the services' own addresses with one host always, with many only when chosen:
        // it wakes a cold service on a bare connect, but then every byte passes through this machine.
        bool publicAddress = hosts is null || config.Placement.Entrance == Entrance.Door;
        byte[] egressSecret = EngineSetup.EgressSecret(config.Libvirt.StateDirectory);
        engine = new SummonEngine(config.Services.Select(s => EngineSetup.ToSpec(s, publicAddress, egressSecret)), driver, plan, options, observer, loggers);
        await using var _driver = driver;
        await using var _engine = engine;
        // Before the engine starts: guests it takes back after a restart become ready during StartAsync.
        await using var egress = new Egress.EgressBroker(engine, metrics, loggers.CreateLogger("Summoner.Egress"),
            netnsSockets is null ? null : netnsSockets.Create, netnsSockets is null ? null : netnsSockets.Create, config.Dns.Zone);
        observer.Broker = egress;
        await engine.StartAsync(stop.Token).ConfigureAwait(false);
        await using var serviceDoor = new Door.ServiceDoor(engine, metrics, loggers.CreateLogger("Summoner.Door"),
            netnsSockets is null ? null : netnsSockets.Create, netnsSockets is null ? null : netnsSockets.CreateDatagram,
            keeper.In(netnsSockets is null ? null : config.Network.Bridge.Netns));
        try
        {
            if (config.Network.Mode == NetworkMode.Bridge)
                await BridgePlumbing.AddServiceAddressesAsync(config.Network.Bridge.Name, config.Network.Bridge.Netns, config.Services.Select(s => s.Address), stop.Token).ConfigureAwait(false);
            serviceDoor.Start();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"summoner: cannot hold the services' addresses: {ex.Message}: another summoner (or program) uses a service address and port; change [network] loopback_range (or [network.bridge] subnet) or the service's address");
            return 1;
        }

        Keeper.IListeningSockets daemonNamespace = keeper.In(null); // DNS binds in the daemon's own namespace, even in bridge mode
        var dnsOptions = new DnsServerOptions
        {
            Endpoint = config.Dns.Listen,
            ServiceAnswerDeadline = config.Dns.AnswerDeadline,
            MaxTcpConnections = config.Dns.TcpConnections,
            MaxTcpConnectionsPerClient = config.Dns.TcpConnectionsPerClient,
            TcpMessageTimeout = config.Dns.TcpMessageTimeout,
            Diagnostics = m => log.LogWarning("dns: {Message}", m),
            TakeBack = daemonNamespace.TakeBack,
            Listening = daemonNamespace.Keep,
        };
        await using var dns = new DnsServer(ZoneSetup.Catalog(config), new EngineAnswerSource(engine, config.Dns.ServiceTtl,
            config.Limits.WaitingQueries, reason => metrics.SummonRefusals.WithLabels(reason).Inc()), dnsOptions);
        try
        {
            dns.Start();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"summoner: cannot serve DNS on {config.Dns.Listen}: {ex.Message}");
            return 1;
        }

        keeper.ReleaseUnclaimed();
        var dnsMetrics = new DnsMetricsBridge(dns, metrics);
        using var reload = new ConfigReload(configPath, config, engine, dns, serviceDoor, log, egressSecret) { PublicAddresses = publicAddress };
        Volatile.Write(ref reloader, reload);
        var token = ControlToken.Create(MetricsConfig.TokenPath(config.Libvirt.StateDirectory));
        string? NotReady() => !connection.IsAlive ? "libvirt connection lost"
            : hosts is not null && hosts.Hosts.All(h => h.State == HostState.Down) ? "every [[host]] is down" : null;
        WebApplication web = BuildControl(config.Metrics.Listen, engine, hosts, token, () => { dnsMetrics.Sync(); hostMetrics?.Sync(); return metrics.Registry.Render(); }, NotReady, reload);
        try
        {
            await web.StartAsync(stop.Token).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"summoner: cannot serve metrics on {config.Metrics.Listen}: {ex.Message}");
            return 1;
        }

        Task pruning = PruneLogsAsync(config, () => reload.Current.Services.Select(s => s.Name), options.GuestNamePrefix, connection, hosts, log, stop.Token);
        PrintWelcome(config, accelerator, publicAddress);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }

        await pruning.ConfigureAwait(false);
        log.LogInformation("stopping: destroying every guest this summoner started");
        // A clean stop frees the ports: the keeper lets go of its copies before the daemon closes its own.
        keeper.End();
        await dns.StopAsync().ConfigureAwait(false);
        await serviceDoor.DisposeAsync().ConfigureAwait(false);
        await egress.DisposeAsync().ConfigureAwait(false);
        await engine.DisposeAsync().ConfigureAwait(false);
        if (config.Network.Mode == NetworkMode.Bridge)
        {
            await BridgePlumbing.RemoveServiceAddressesAsync(config.Network.Bridge.Name, config.Network.Bridge.Netns, config.Services.Concat(reload.Current.Services).Select(s => s.Address).Distinct()).ConfigureAwait(false);
            await Egress.BridgeFirewall.RemoveAsync(config.Network.Bridge.Name, config.Network.Bridge.Netns).ConfigureAwait(false);
        }
        await web.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await web.DisposeAsync().ConfigureAwait(false);
        log.LogInformation("stopped");
        return 0;
    }

    /// <summary>
    /// Every 10 s: console and QEMU logs beyond [libvirt] keep_logs per service go (a running guest's
    /// stay, wherever it runs). QEMU's own logs on other hosts are their libvirtd's to rotate.
    /// </summary>
    private static async Task PruneLogsAsync(SummonerConfig config, Func<IEnumerable<string>> services, string guestPrefix, LibvirtConnection connection, HostSet? hosts, ILogger log, CancellationToken stopping)
    {
        var directories = new List<string> { LibvirtGuestDriver.ConsoleDirectory(config.Libvirt.StateDirectory) };
        const string embed = "qemu:///embed?root=";
        if (config.Libvirt.Uri.StartsWith(embed, StringComparison.Ordinal))
            directories.Add(Path.GetDirectoryName(EmbeddedDriver.QemuLogFile(Uri.UnescapeDataString(config.Libvirt.Uri[embed.Length..]), "x"))!);
        var pruner = new ConsoleLogPruner(directories, guestPrefix, services, config.Libvirt.KeepLogs);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            do
            {
                var running = new HashSet<string>(StringComparer.Ordinal);
                foreach (var domain in connection.ListDomains())
                {
                    using (domain) running.Add(domain.Name);
                }
                int deleted = pruner.Prune(guest => running.Contains(guest) || hosts?.HostOf(guest) is not null);
                if (deleted > 0) log.LogDebug("pruned {Count} old guest logs", deleted);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        catch (LibvirtException ex)
        {
            log.LogWarning("log pruning stopped: {Message}", ex.Message);
        }
    }

    /// <summary>The embedded driver's root for <c>qemu:///embed?root=</c> URIs; null for other URIs.</summary>
    private static string? EmbeddedRoot(SummonerConfig config)
    {
        const string embed = "qemu:///embed?root=";
        string uri = config.Libvirt.Uri;
        return uri.StartsWith(embed, StringComparison.Ordinal) ? Path.GetFullPath(Uri.UnescapeDataString(uri[embed.Length..]), config.BaseDirectory) : null;
    }

    /// <summary>Where the embedded driver writes QEMU pid files; null for other URIs (exits are then seen through libvirt's events).</summary>
    private static string? QemuPidDirectory(SummonerConfig config) =>
        EmbeddedRoot(config) is string root ? Path.GetDirectoryName(EmbeddedDriver.QemuPidFile(root, "x")) : null;

    /// <summary>Says where the embedded driver's run/ went: on tmpfs each start skips a few disk flushes (RunDirectory).</summary>
    private static void LogRunDirectory(SummonerConfig config, ILogger log)
    {
        if (EmbeddedRoot(config) is not string root || EmbeddedDriver.RunPlacement(root) is not { } placement) return;
        if (placement.OnTmpfs)
            log.LogInformation("libvirt: run/ (domain status files, rewritten and flushed several times per start) on tmpfs at {Target} ({Reason})", placement.Target, placement.Reason);
        else
            log.LogWarning("libvirt: run/ on disk at {Target}: {Reason}", placement.Target, placement.Reason);
    }

    private static LibvirtConnection OpenLibvirt(SummonerConfig config) =>
        EmbeddedRoot(config) is string root
            ? EmbeddedDriver.Open(new EmbeddedDriverOptions { StateDirectory = root })
            : LibvirtConnection.Open(config.Libvirt.Uri);

    private static async Task<Libvirt.Accelerator> DecideAcceleratorAsync(LibvirtConnection connection, SummonerConfig config, ILogger log, CancellationToken cancellationToken)
    {
        AcceleratorDecision decision = await AcceleratorProbe.DecideAsync(connection, Path.Combine(config.Libvirt.StateDirectory, "probe"), cancellationToken).ConfigureAwait(false);
        log.LogInformation("accelerator: {Accelerator} ({Reason}; probe took {Ms:F0} ms)", decision.Accelerator, decision.Reason, decision.ProbeTime.TotalMilliseconds);
        return decision.Accelerator;
    }

    private static WebApplication BuildControl(IPEndPoint listen, SummonEngine engine, HostSet? hosts, ControlToken token, Func<string> renderMetrics, Func<string?> notReady, ConfigReload reload)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(listen));
        WebApplication app = builder.Build();
        ControlEndpoints.Map(app, engine, hosts, token, listen.Address, renderMetrics, notReady, async ct =>
        {
            ReloadReport report = await reload.ReloadAsync(ct).ConfigureAwait(false);
            return (report.Ok, report.ToString());
        });
        return app;
    }

    /// <param name="door">Whether the door holds the services' addresses (clients may connect without asking DNS).</param>
    private static void PrintWelcome(SummonerConfig config, Libvirt.Accelerator accelerator, bool door)
    {
        IPEndPoint dns = config.Dns.Listen;
        Console.WriteLine($"summoner: serving zone {config.Dns.Zone} on {dns} (UDP+TCP), {config.Services.Count} service(s), accelerator {accelerator.ToString().ToLowerInvariant()}, network {config.Network.Mode.ToString().ToLowerInvariant()}");
        Console.WriteLine($"summoner: metrics and control API on http://{config.Metrics.Listen}/metrics");
        foreach (ServiceConfig s in config.Services)
        {
            string name = s.DnsNames[0];
            Console.WriteLine($"  try:  dig @{dns.Address} -p {dns.Port} {name} +short");
            if (config.Network.Mode != NetworkMode.Loopback || !door) continue;
            // Summoner cannot know what a service speaks: curl for the usual HTTP ports, nc otherwise
            // (curl against echo's port 7 fails with "Received HTTP/0.9").
            if (s.Ports.Count > 0)
                Console.WriteLine(IsUsualHttpPort(s.Ports[0])
                    ? $"        curl http://{s.Address}:{s.Ports[0]}/   (with or without asking DNS first; {s.Name} listens on {s.PortList})"
                    : $"        nc {s.Address} {s.Ports[0]}   (with or without asking DNS first; {s.Name} listens on {s.PortList})");
            else
                Console.WriteLine($"        {s.Name} answers datagrams on {s.Address} ports {s.PortList}");
        }
        Console.WriteLine("summoner: ./summoner ps | stop NAME | logs NAME | reload (or SIGHUP: re-read this file); Ctrl-C destroys every guest and stops");
    }

    private static bool IsUsualHttpPort(int port) => port is 80 or 8000 or 8008 or 8080 or 8888;
}

/// <summary>Copies the DNS server's response counters into the Prometheus registry at scrape time.</summary>
internal sealed class DnsMetricsBridge
{
    private readonly DnsServer _dns;
    private readonly SummonerMetrics _metrics;
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);

    public DnsMetricsBridge(DnsServer dns, SummonerMetrics metrics)
    {
        _dns = dns;
        _metrics = metrics;
    }

    public void Sync()
    {
        lock (_seen)
        {
            var snapshot = _dns.Counters.Snapshot();
            foreach (var (code, count) in snapshot.ResponsesByCode)
                Advance(_metrics.DnsQueries, "rcode:" + code, count, code.ToString().ToUpperInvariant());
            Advance(_metrics.DnsTcpRefusals, "tcp:global_cap", snapshot.TcpConnectionsRefused, "global_cap");
            Advance(_metrics.DnsTcpRefusals, "tcp:per_client_cap", snapshot.TcpRefusedPerClient, "per_client_cap");
            Advance(_metrics.DnsTcpRefusals, "tcp:slow_sender", snapshot.TcpSlowSendersCut, "slow_sender");
            Advance(_metrics.DnsServiceServfail, "service:deadline", snapshot.ServiceDeadlineExceeded, "deadline");
            Advance(_metrics.DnsServiceServfail, "service:failed", snapshot.ServiceFailures, "failed");
        }
    }

    /// <summary>Adds what a server counter gained since the last scrape to its Prometheus counter.</summary>
    private void Advance(Counter counter, string key, long count, string label)
    {
        long before = _seen.GetValueOrDefault(key);
        if (count > before) counter.WithLabels(label).Inc(count - before);
        _seen[key] = count;
    }
}
