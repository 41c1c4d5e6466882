using System.Net;
using Microsoft.Extensions.Logging;

namespace Summoner.Engine;

/// <summary>How a summon picks among hosts with room: the least loaded (spread) or the most loaded that still fits (pack).</summary>
public enum PlacementRule { Spread, Pack }

public enum HostState { Up, Down }

/// <summary>One machine guests may run on ([[host]] in summoner.toml).</summary>
/// <param name="Connect">Opens the host's hypervisor connection; called at start and again, once the host is down, until it answers.</param>
public sealed record HostDefinition(string Name, INetworkPlan Network, int MaxGuests, long MaxMemoryMiB, Func<CancellationToken, Task<IGuestDriver>> Connect);

/// <summary>A host as <c>summoner hosts</c> and /metrics show it.</summary>
public sealed record HostStatus(string Name, HostState State, int Guests, int MaxGuests, long GuestMemoryMiB, long MaxMemoryMiB, long PlacementFailures, string? DownReason);

/// <summary>
/// Several hosts behind the engine's one driver and one network plan: the plan's
/// <see cref="Allocate"/> is where a guest is placed (the engine allocates an address right after it
/// took room under the global caps, before the create), so the per-host caps refuse there and the
/// create goes to the host the address belongs to. Each host has its own connection; one that stops
/// answering is marked down: its guests count as exited (their services go cold and the next query,
/// or connection through the door, places them elsewhere), and when it answers again the domains
/// this instance left there are destroyed before anything is placed on it.
/// </summary>
public sealed class HostSet : IGuestDriver, INetworkPlan
{
    private readonly object _gate = new();
    private readonly List<Host> _hosts;
    private readonly PlacementRule _rule;
    private readonly string? _instanceId;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    // Where each guest an earlier run left was found (ListRunningGuestsAsync), for Adopt and destroy by name.
    private readonly Dictionary<string, Host> _listed = new(StringComparer.Ordinal);
    private long _unplaced;
    private Task? _health;

    /// <param name="instanceId">This daemon's identity: only domains carrying it are destroyed on a host that comes back.</param>
    public HostSet(IEnumerable<HostDefinition> hosts, PlacementRule rule, string? instanceId, ILogger log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        _hosts = [.. hosts.Select(h => new Host(h))];
        if (_hosts.Count == 0) throw new ArgumentException("a host set needs at least one host", nameof(hosts));
        _rule = rule;
        _instanceId = instanceId;
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Summons no host had room for (all down or full).</summary>
    public long Unplaced => Interlocked.Read(ref _unplaced);

    /// <summary>Raised (on a thread-pool thread) when a host goes down or comes back.</summary>
    public event Action<HostStatus>? StateChanged;

    public IReadOnlyList<HostStatus> Hosts
    {
        get { lock (_gate) return [.. _hosts.Select(h => h.Status())]; }
    }

    /// <summary>The host a guest of this run was placed on, or null.</summary>
    public string? HostOf(string guestName)
    {
        lock (_gate) return _hosts.FirstOrDefault(h => h.Placed.ContainsKey(guestName))?.Definition.Name ?? _listed.GetValueOrDefault(guestName)?.Definition.Name;
    }

    /// <summary>
    /// Connects to every host (one that does not answer starts down, and is retried), then checks
    /// each connection every <paramref name="checkEvery"/>: a dead one marks its host down.
    /// </summary>
    /// <param name="connectTimeout">How long one connection attempt may take before the host counts as down.</param>
    public async Task StartAsync(TimeSpan checkEvery, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_hosts.Select(h => TryConnectAsync(h, connectTimeout, initial: true, cancellationToken))).ConfigureAwait(false);
        // The timer starts now, not when the loop's task first runs: the first check is one interval from here.
        var timer = new PeriodicTimer(checkEvery, _time);
        _health = Task.Run(() => HealthLoopAsync(timer, connectTimeout, _stopping.Token), CancellationToken.None);
    }

    /// <summary>One health pass: dead connections mark their hosts down, down hosts are tried again.</summary>
    public async Task CheckOnceAsync(TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        foreach (Host host in _hosts)
        {
            IGuestDriver? driver;
            lock (_gate) driver = host.Driver;
            if (driver is not null)
            {
                if (!driver.IsAlive) MarkDown(host, driver, "its connection stopped answering");
            }
            else
            {
                await TryConnectAsync(host, connectTimeout, initial: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task HealthLoopAsync(PeriodicTimer timer, TimeSpan connectTimeout, CancellationToken stopping)
    {
        using PeriodicTimer _ = timer;
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                await CheckOnceAsync(connectTimeout, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    /// <param name="initial">The connection made at start: what this instance left there is the engine's
    /// start to sort (adopt or destroy); on any later connection it is destroyed here.</param>
    private async Task TryConnectAsync(Host host, TimeSpan timeout, bool initial, CancellationToken cancellationToken)
    {
        Task<IGuestDriver> connect = host.Definition.Connect(cancellationToken);
        IGuestDriver driver;
        try
        {
            driver = await connect.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            // A connect that returns late is closed, never used: the next pass connects afresh.
            _ = connect.ContinueWith(static t => t.Result.DisposeAsync(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            lock (_gate)
            {
                if (host.DownReason is null || host.LastConnectError != ex.Message) _log.LogWarning("host {Host}: cannot connect: {Message}", host.Definition.Name, ex.Message);
                host.DownReason ??= "not connected: " + ex.Message;
                host.LastConnectError = ex.Message;
            }
            return;
        }
        // Back (or first seen): whatever this instance left there is no longer tracked by anyone.
        try
        {
            var leftovers = new List<Task>();
            foreach (RunningGuest g in await driver.ListRunningGuestsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_instanceId is null || g.Ownership?.InstanceId != _instanceId) continue;
                if (initial)
                {
                    lock (_gate) _listed[g.GuestName] = host;
                    continue;
                }
                _log.LogInformation("host {Host}: destroying {Guest}, which this summoner no longer tracks (the host was down)", host.Definition.Name, g.GuestName);
                leftovers.Add(driver.DestroyAsync(g.GuestName, cancellationToken));
            }
            // All at once: a destroy on a daemon that lost its QEMUs' parentage takes ~2 s (libvirt waits for
            // the process to go), and the host stays down until every one is gone.
            await Task.WhenAll(leftovers).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            _log.LogWarning("host {Host}: connected, but sorting its domains failed: {Message}; trying again later", host.Definition.Name, ex.Message);
            await driver.DisposeAsync().ConfigureAwait(false);
            return;
        }
        // A fresh daemon probes QEMU once (seconds): summons meanwhile go to hosts that are ready, but a host
        // whose probe outlasts the connect timeout is taken anyway (its first create then waits for the rest).
        try
        {
            await driver.WarmedUp.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.LogInformation("host {Host}: still preparing after {Seconds:F0} s; taking summons, the first waits for it", host.Definition.Name, timeout.TotalSeconds);
        }
        HostStatus status;
        lock (_gate)
        {
            host.Driver = driver;
            host.DownReason = null;
            host.LastConnectError = null;
            host.Down = new CancellationTokenSource();
            status = host.Status();
        }
        _log.LogInformation("host {Host}: up", host.Definition.Name);
        Raise(status);
    }

    private void MarkDown(Host host, IGuestDriver driver, string reason)
    {
        CancellationTokenSource down;
        HostStatus status;
        lock (_gate)
        {
            if (!ReferenceEquals(host.Driver, driver)) return;
            host.Driver = null;
            host.DownReason = reason;
            down = host.Down;
            status = host.Status();
        }
        _log.LogWarning("host {Host}: down ({Reason}): its guests count as gone; summons go to other hosts", host.Definition.Name, reason);
        // Guests see the host's end and report their exit; the engine releases their room as usual.
        down.Cancel();
        // Closing a dead connection must not destroy anything: the driver's guests are already gone for us.
        _ = Task.Run(async () =>
        {
            try { await driver.DisposeAsync().ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { _log.LogDebug("host {Host}: closing the dead connection: {Message}", host.Definition.Name, ex.Message); }
        });
        Raise(status);
    }

    /// <summary>Marks a host down now (a test, or an operator's drain); its connection is closed.</summary>
    public void MarkDown(string hostName, string reason)
    {
        Host host = _hosts.First(h => h.Definition.Name == hostName);
        IGuestDriver? driver;
        lock (_gate) driver = host.Driver;
        if (driver is not null) MarkDown(host, driver, reason);
    }

    private void Raise(HostStatus status)
    {
        if (StateChanged is { } handler) _ = Task.Run(() => handler(status));
    }

    // ---- INetworkPlan: placement happens here ----

    public GuestNetwork Allocate(ServiceSpec service, string guestName)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_gate)
        {
            Host? chosen = null;
            double best = 0;
            foreach (Host h in _hosts)
            {
                if (h.Driver is null) continue;
                if (h.Placed.Count >= h.Definition.MaxGuests || h.MemoryMiB + service.MemoryMiB > h.Definition.MaxMemoryMiB)
                {
                    h.PlacementFailures++;
                    continue;
                }
                // Load as the larger of the two shares taken, so either cap counts.
                double load = Math.Max((double)h.Placed.Count / h.Definition.MaxGuests, (double)h.MemoryMiB / h.Definition.MaxMemoryMiB);
                if (chosen is null || (_rule == PlacementRule.Spread ? load < best : load > best))
                {
                    chosen = h;
                    best = load;
                }
            }
            if (chosen is null)
            {
                Interlocked.Increment(ref _unplaced);
                string why = _hosts.All(h => h.Driver is null) ? "every host is down" : "no host that is up has room under its guests or guest_memory cap";
                throw new InvalidOperationException($"no host for {guestName}: {why} ([[host]] in summoner.toml)");
            }
            GuestNetwork network = chosen.Definition.Network.Allocate(service, guestName);
            chosen.Placed[guestName] = new Placement(service.MemoryMiB, network);
            chosen.MemoryMiB += service.MemoryMiB;
            return network;
        }
    }

    public void Release(GuestNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        lock (_gate)
        {
            foreach (Host h in _hosts)
            {
                foreach (var (name, p) in h.Placed)
                {
                    if (!ReferenceEquals(p.Network, network) && !p.Network.ServiceAddress.Equals(network.ServiceAddress)) continue;
                    h.Placed.Remove(name);
                    h.MemoryMiB -= p.MemoryMiB;
                    h.Definition.Network.Release(p.Network);
                    return;
                }
            }
        }
    }

    public bool TryClaim(GuestNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        lock (_gate)
        {
            foreach (Host h in _hosts)
            {
                if (!h.Definition.Network.TryClaim(network)) continue;
                // In use after a restart: it counts as a guest; its memory is counted if it is taken back (Adopt).
                h.Placed["claimed:" + network.ServiceAddress] = new Placement(0, network);
                return true;
            }
        }
        return false;
    }

    public void Reserve(IPAddress address)
    {
        foreach (Host h in _hosts) h.Definition.Network.Reserve(address);
    }

    public string GuestCommandLine(GuestNetwork network, ServiceSpec service) => HostByNetwork(network).Definition.Network.GuestCommandLine(network, service);

    private Host HostByNetwork(GuestNetwork network)
    {
        lock (_gate)
        {
            return _hosts.FirstOrDefault(h => h.Placed.Values.Any(p => p.Network.ServiceAddress.Equals(network.ServiceAddress)))
                ?? throw new InvalidOperationException($"no host holds the address {network.ServiceAddress}");
        }
    }

    // ---- IGuestDriver: each call goes to the guest's host ----

    public async Task<IGuest> CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        Host host = HostByNetwork(launch.Network);
        IGuestDriver driver;
        CancellationToken down;
        lock (_gate)
        {
            driver = host.Driver ?? throw new InvalidOperationException($"host {host.Definition.Name} went down before {launch.GuestName} was created");
            down = host.Down.Token;
        }
        IGuest guest = await driver.CreateAsync(launch, cancellationToken).ConfigureAwait(false);
        return new PlacedGuest(guest, host.Definition.Name, down);
    }

    public async Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken)
    {
        var all = new List<RunningGuest>();
        foreach (Host h in _hosts)
        {
            IGuestDriver? driver;
            lock (_gate) driver = h.Driver;
            if (driver is null) continue;
            foreach (RunningGuest g in await driver.ListRunningGuestsAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_gate) _listed[g.GuestName] = h;
                all.Add(g);
            }
        }
        return all;
    }

    public IGuest Adopt(RunningGuest guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        Host host;
        IGuestDriver driver;
        CancellationToken down;
        lock (_gate)
        {
            host = _listed.GetValueOrDefault(guest.GuestName) ?? throw new InvalidOperationException($"no host runs {guest.GuestName}");
            driver = host.Driver ?? throw new InvalidOperationException($"host {host.Definition.Name} is down");
            down = host.Down.Token;
            if (guest.Network is not null && host.Placed.Remove("claimed:" + guest.Network.ServiceAddress, out Placement? claimed))
            {
                // Claimed without a size (TryClaim knows only the address): taken back, it weighs what its domain has.
                host.Placed[guest.GuestName] = claimed with { MemoryMiB = guest.MemoryMiB };
                host.MemoryMiB += guest.MemoryMiB;
            }
        }
        return new PlacedGuest(driver.Adopt(guest), host.Definition.Name, down);
    }

    public async Task DestroyAsync(string guestName, CancellationToken cancellationToken)
    {
        IGuestDriver? driver;
        lock (_gate)
        {
            Host? host = _hosts.FirstOrDefault(h => h.Placed.ContainsKey(guestName)) ?? _listed.GetValueOrDefault(guestName);
            driver = host?.Driver;
        }
        // A guest on a host that is down is destroyed when the host comes back (TryConnectAsync).
        if (driver is not null) await driver.DestroyAsync(guestName, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_health is not null) await _health.ConfigureAwait(false);
        foreach (Host h in _hosts)
        {
            IGuestDriver? driver;
            lock (_gate)
            {
                driver = h.Driver;
                h.Driver = null;
            }
            if (driver is not null) await driver.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    private sealed record Placement(int MemoryMiB, GuestNetwork Network);

    private sealed class Host(HostDefinition definition)
    {
        public HostDefinition Definition { get; } = definition;
        public IGuestDriver? Driver { get; set; }
        public Dictionary<string, Placement> Placed { get; } = new(StringComparer.Ordinal);
        public long MemoryMiB { get; set; }
        public long PlacementFailures { get; set; }
        public string? DownReason { get; set; } = "not connected yet";
        public string? LastConnectError { get; set; }
        // Cancelled when the host goes down; a new one each time it comes back.
        public CancellationTokenSource Down { get; set; } = new();

        public HostStatus Status() => new(Definition.Name, Driver is null ? HostState.Down : HostState.Up, Placed.Count, Definition.MaxGuests,
            MemoryMiB, Definition.MaxMemoryMiB, PlacementFailures, Driver is null ? DownReason : null);
    }

    /// <summary>A guest on one host: it also ends when its host goes down (its domain may run on, out of reach).</summary>
    private sealed class PlacedGuest : IGuest
    {
        private readonly IGuest _inner;
        private readonly CancellationToken _down;
        private readonly TaskCompletionSource<GuestExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PlacedGuest(IGuest inner, string host, CancellationToken down)
        {
            _inner = inner;
            Host = host;
            _down = down;
            _inner.Exited.ContinueWith(t => _exited.TrySetResult(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            down.Register(() => _exited.TrySetResult(new GuestExit(inner.Name, GuestExitReason.Crashed)));
        }

        public string Host { get; }

        public string Name => _inner.Name;

        public GuestNetwork Network => _inner.Network;

        public Task<GuestExit> Exited => _exited.Task;

        public bool HasExited => _exited.Task.IsCompleted || _down.IsCancellationRequested || _inner.HasExited;

        public IConsoleReader ReadConsole(bool fromStart) => _inner.ReadConsole(fromStart);

        public Task SuspendAsync(CancellationToken cancellationToken) => _inner.SuspendAsync(cancellationToken);

        public Task ResumeAsync(CancellationToken cancellationToken) => _inner.ResumeAsync(cancellationToken);

        public async Task DestroyAsync(CancellationToken cancellationToken)
        {
            // Out of reach: the host's return destroys it.
            if (!_down.IsCancellationRequested) await _inner.DestroyAsync(cancellationToken).ConfigureAwait(false);
            _exited.TrySetResult(new GuestExit(Name, GuestExitReason.Destroyed));
        }

        public Task<GuestCounters?> GetCountersAsync(CancellationToken cancellationToken) =>
            _down.IsCancellationRequested ? Task.FromResult<GuestCounters?>(null) : _inner.GetCountersAsync(cancellationToken);
    }
}
