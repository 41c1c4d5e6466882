using Microsoft.Extensions.Logging;

namespace Summoner.Engine;

/// <summary>
/// Owns every service's <see cref="ServiceOwner"/>, the caps (<see cref="EngineCapacity"/>) and the
/// reaper loop; each owner holds its guests (<see cref="IGuest"/>) and hears their exits. The DNS
/// layer finds a service by name.
/// </summary>
public sealed class SummonEngine : IAsyncDisposable
{
    // Replaced whole, never changed in place (a reload): lock-free readers see one set or the other.
    private volatile Dictionary<string, ServiceOwner> _byName = new(StringComparer.OrdinalIgnoreCase);
    // Services a reload removed, serving their running guest until the last answer's TTL has passed.
    private readonly Dictionary<string, Drain> _draining = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _applyGate = new();
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    // What every owner gets of the engine: ports, options, observer and the caps, no back-reference.
    private readonly EngineParts _parts;
    private Task? _reaper;
    private int _disposed;
    private readonly ILoggerFactory _loggers;
    // Guest numbers reached by services removed since: one added again continues past them.
    private readonly Dictionary<string, int> _sequences = new(StringComparer.OrdinalIgnoreCase);

    public SummonEngine(IEnumerable<ServiceSpec> services, IGuestDriver driver, INetworkPlan network, EngineOptions options, ISummonObserver? observer = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        Driver = driver ?? throw new ArgumentNullException(nameof(driver));
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Observer = observer ?? NullSummonObserver.Instance;
        loggers ??= Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        _log = loggers.CreateLogger("Summoner.Engine");
        _loggers = loggers;
        Capacity = new EngineCapacity(Options, Network, Observer, _stopping.Token);
        _parts = new EngineParts(Driver, Network, Options, Observer, Capacity, () => PendingSpecApplied?.Invoke(), _stopping.Token);
        foreach (ServiceSpec spec in services)
        {
            var owner = new ServiceOwner(spec, _parts, loggers.CreateLogger("Summoner.Service." + spec.Name));
            if (!_byName.TryAdd(spec.Name, owner))
                throw new ArgumentException($"service '{spec.Name}' is defined twice", nameof(services));
        }
    }

    public IGuestDriver Driver { get; }

    public INetworkPlan Network { get; }

    public EngineOptions Options { get; }

    public ISummonObserver Observer { get; }

    public bool IsStopping => _stopping.IsCancellationRequested;

    public IReadOnlyCollection<ServiceOwner> Services => _byName.Values;

    /// <summary>The room guests take under the caps, and the summons waiting for it.</summary>
    internal EngineCapacity Capacity { get; }

    public int RunningGuests => Capacity.RunningGuests;

    public long GuestMemoryMiB => Capacity.GuestMemoryMiB;

    public ServiceOwner? Find(string serviceName) => _byName.GetValueOrDefault(serviceName);

    /// <summary>
    /// A spec a reload left pending took over (its old guest is gone): what the service listens on
    /// may have changed. Raised on a thread-pool thread, never under a service's lock.
    /// </summary>
    public event Action? PendingSpecApplied;

    /// <summary>Services a reload removed whose guest is not destroyed yet (the door keeps their addresses until then).</summary>
    public IReadOnlyCollection<ServiceOwner> Draining { get { lock (_applyGate) return [.. _draining.Values.Select(d => d.Owner)]; } }

    private sealed record Drain(ServiceOwner Owner, CancellationTokenSource Cancel, Task Done);

    /// <summary>
    /// Makes <paramref name="services"/> the configured set (a reload) and says what changed.
    /// Added services can be summoned at once; a changed one keeps its running guest, made from the
    /// old spec, until that is reaped or stopped, and boots from the new spec after (unchanged ones
    /// are not touched); a removed one is summoned no more and its guest is destroyed once answers
    /// given before the removal have expired (<see cref="EngineOptions.AnswerTtl"/>: see
    /// <see cref="ServiceChanges.Drained"/>). <paramref name="publish"/> runs when every new service
    /// can be found and before any removed one is gone, so a name the DNS zone holds in either set
    /// always finds its service.
    /// </summary>
    public ServiceChanges Apply(IReadOnlyList<ServiceSpec> services, Action? publish = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"service '{twice.Key}' is defined twice", nameof(services));
        lock (_applyGate)
        {
            ObjectDisposedException.ThrowIf(IsStopping, this);
            Dictionary<string, ServiceOwner> before = _byName;
            var during = new Dictionary<string, ServiceOwner>(before, StringComparer.OrdinalIgnoreCase);
            var after = new Dictionary<string, ServiceOwner>(StringComparer.OrdinalIgnoreCase);
            var added = new List<string>();
            var changed = new List<ServiceChange>();
            int unchanged = 0;
            foreach (ServiceSpec spec in services)
            {
                if (before.TryGetValue(spec.Name, out ServiceOwner? owner))
                {
                    IReadOnlyList<string> what = owner.LatestSpec.Differences(spec);
                    if (what.Count == 0) unchanged++;
                    else
                    {
                        bool running = owner.State is SummonState.Ready or SummonState.Booting;
                        owner.Update(spec);
                        changed.Add(new ServiceChange(spec.Name, what, running));
                    }
                }
                else if (_draining.Remove(spec.Name, out Drain? drain))
                {
                    // Back before its drain ended: the same owner serves on, with the new spec.
                    drain.Cancel.Cancel();
                    owner = drain.Owner;
                    owner.Unretire(spec);
                    added.Add(spec.Name);
                }
                else
                {
                    owner = new ServiceOwner(spec, _parts, _loggers.CreateLogger("Summoner.Service." + spec.Name));
                    if (_sequences.TryGetValue(spec.Name, out int sequence)) owner.ContinueSequence(sequence);
                    added.Add(spec.Name);
                }
                if (spec.PublicAddress is { } address) Network.Reserve(address);
                during[spec.Name] = owner;
                after[spec.Name] = owner;
            }
            _byName = during;
            publish?.Invoke();
            _byName = after;
            var removed = new List<string>();
            var drains = new List<Task>();
            foreach (ServiceOwner owner in before.Values)
            {
                if (after.ContainsKey(owner.Spec.Name)) continue;
                removed.Add(owner.Spec.Name);
                owner.Retire();
                var cancel = new CancellationTokenSource();
                Task done = DrainAsync(owner, cancel.Token);
                _draining[owner.Spec.Name] = new Drain(owner, cancel, done);
                drains.Add(done);
            }
            foreach (ServiceOwner owner in after.Values) if (!before.ContainsKey(owner.Spec.Name)) owner.RefillPool();
            return new ServiceChanges(added, removed, changed, unchanged, Task.WhenAll(drains));
        }
    }

    /// <summary>Waits out the TTL of answers given before the removal, then destroys the removed service's guest.</summary>
    private async Task DrainAsync(ServiceOwner owner, CancellationToken cancel)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stopping.Token);
        long waited = Options.Time.GetTimestamp();
        try
        {
            // Task.Delay's timer counts whole milliseconds and can fire a little early (seen: 798 ms
            // for 800): wait out the rest, so no answer given before the removal outlives its guest.
            for (TimeSpan left = Options.AnswerTtl; left > TimeSpan.Zero; left = Options.AnswerTtl - Options.Time.GetElapsedTime(waited))
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), Options.Time, both.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Added back (its owner serves on) or shutting down (DisposeAsync destroys it).
            return;
        }
        await owner.ReapAsync(ReapReason.Removed).ConfigureAwait(false);
        await owner.DrainPoolAsync().ConfigureAwait(false);
        await owner.DestroysInFlight.ConfigureAwait(false);
        lock (_applyGate)
        {
            if (_draining.TryGetValue(owner.Spec.Name, out Drain? d) && d.Owner == owner)
            {
                _draining.Remove(owner.Spec.Name);
                _sequences[owner.Spec.Name] = owner.BootSequence;
                d.Cancel.Dispose();
            }
        }
        _log.LogInformation("{Service}: drained: removed from the configuration, its guests are gone", owner.Spec.Name);
    }

    /// <summary>
    /// Sorts what an earlier run left under the same hypervisor connection, then starts the reaper:
    /// a running guest this daemon instance made for a service still configured the same way is
    /// taken back, ready at once (no boot); its other guests (removed or changed services, pool
    /// members, a second guest of a service) are destroyed; guests of anyone else are never touched.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (RunningGuest guest in await Driver.ListRunningGuestsAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (ServiceOwner o in _byName.Values) o.NoteExistingGuest(guest.GuestName);
            if (Options.InstanceId is null || guest.Ownership?.InstanceId != Options.InstanceId)
            {
                if (guest.GuestName.StartsWith(Options.GuestNamePrefix, StringComparison.Ordinal))
                    _log.LogInformation("leaving {Guest} alone: another summoner instance (or another program) made it", guest.GuestName);
                // Its address is in use whoever made it: never hand it to one of our guests.
                if (guest.Network is not null) Network.TryClaim(guest.Network);
                continue;
            }
            string? refusal = TryAdopt(guest);
            if (refusal is null) continue;
            _log.LogWarning("destroying {Guest}, left running by this summoner's previous run: {Reason}", guest.GuestName, refusal);
            try { await Driver.DestroyAsync(guest.GuestName, cancellationToken).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _log.LogError("could not destroy leftover guest {Guest}: {Message}", guest.GuestName, ex.Message);
            }
        }
        _reaper = Task.Run(() => ReapLoopAsync(_stopping.Token), CancellationToken.None);
        foreach (ServiceOwner owner in _byName.Values) owner.RefillPool();
    }

    /// <summary>Takes one of our own leftover guests back; returns why not, or null when it was.</summary>
    private string? TryAdopt(RunningGuest guest)
    {
        ServiceOwner? owner = Find(guest.Ownership!.Service);
        if (owner is null) return $"service {guest.Ownership.Service} is no longer configured";
        if (guest.Ownership.Fingerprint != owner.Spec.Fingerprint()) return $"service {owner.Spec.Name} changed (image, ports, memory, command line or settings)";
        if (guest.Paused || guest.Network is null) return "a paused pool member (the pool is prepared again)";
        if (!Network.TryClaim(guest.Network)) return $"its address {guest.Network.ServiceAddress} is not free in this configuration";
        IGuest adopted = Driver.Adopt(guest);
        Capacity.Adopt(owner.Spec);
        if (owner.TryAdopt(adopted))
        {
            Observer.RunningGuestsChanged(RunningGuests);
            return null;
        }
        Capacity.Unadopt(owner.Spec);
        Network.Release(guest.Network);
        return $"{owner.Spec.Name} already has a guest";
    }

    public Task StopServiceAsync(string serviceName) =>
        (Find(serviceName) ?? throw new ArgumentException($"no service named '{serviceName}'", nameof(serviceName))).ReapAsync(ReapReason.Stopped);

    /// <summary>Summons waiting for room under a cap.</summary>
    public int WaitingSummons => Capacity.WaitingSummons;

    /// <summary>Guests between create and ready-or-failed (what concurrent_boots counts).</summary>
    public int BootingGuests => Capacity.BootingGuests;

    internal TimeSpan Backoff(int failures) => Options.Backoff(failures);

    private async Task ReapLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Options.ReapInterval, Options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                await ReapIdleOnceAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    /// <summary>One reaper pass: refresh traffic counters, destroy guests idle past their timeout.</summary>
    public async Task ReapIdleOnceAsync(CancellationToken cancellationToken)
    {
        foreach (ServiceOwner owner in _byName.Values)
        {
            IGuest? guest = owner.Guest;
            if (owner.State != SummonState.Ready || guest is null) continue;
            try
            {
                GuestCounters? counters = await guest.GetCountersAsync(cancellationToken).ConfigureAwait(false);
                if (counters is not null) owner.NoteTraffic(counters.Total, counters.OpenConnections);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
            {
                _log.LogDebug("counters of {Guest} unavailable: {Message}", guest.Name, ex.Message);
            }
            await owner.TryReapIdleAsync(Options.Time.GetUtcNow().UtcDateTime).ConfigureAwait(false);
        }
    }

    /// <summary>Destroys every guest this engine started; nothing is left behind.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_reaper is not null) await _reaper.ConfigureAwait(false);
        // A boot in flight would register its guest after we looked: let it finish (bounded), then reap.
        ServiceOwner[] owners;
        lock (_applyGate)
        {
            owners = [.. _byName.Values, .. _draining.Values.Select(d => d.Owner)];
            foreach (Drain d in _draining.Values) d.Cancel.Cancel();
        }
        Task[] boots = [.. owners.SelectMany(o => o.WorkInFlight)];
        // Bounded on real time even under a virtual clock: a shutdown must end whatever the clock does.
        if (boots.Length > 0)
            await Task.WhenAny(Task.WhenAll(boots), Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System)).ConfigureAwait(false);
        var reaps = new List<Task>();
        foreach (ServiceOwner owner in owners)
        {
            reaps.Add(owner.ReapAsync(ReapReason.Shutdown));
            reaps.Add(owner.DrainPoolAsync());
        }
        await Task.WhenAll(reaps).ConfigureAwait(false);
        await Task.WhenAll(owners.Select(o => o.DestroysInFlight)).ConfigureAwait(false);
        // Guests whose create never returned (abandoned, or still running): destroy them by name.
        foreach (string guest in Capacity.Held)
        {
            try { await Driver.DestroyAsync(guest, CancellationToken.None).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { _log.LogWarning("destroying {Guest} at shutdown failed: {Message}", guest, ex.Message); }
        }
        _stopping.Dispose();
    }
}

/// <summary>What a reload changed (<see cref="SummonEngine.Apply"/>).</summary>
/// <param name="Drained">Completes when every removed service's guests are destroyed.</param>
public sealed record ServiceChanges(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<ServiceChange> Changed, int Unchanged, Task Drained);

/// <summary>One service a reload changed.</summary>
/// <param name="What">The settings that differ (config keys: memory, env, ports...).</param>
/// <param name="KeepsRunningGuest">True when a guest of the old spec was running or booting: it serves until reaped or stopped, the next boot uses the new spec.</param>
public sealed record ServiceChange(string Name, IReadOnlyList<string> What, bool KeepsRunningGuest);
