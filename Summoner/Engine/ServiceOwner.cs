using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Summoner.Engine;

/// <summary>
/// The single owner of one service's state machine (cold → booting → ready → reaping → cold,
/// and failed with back-off). Every transition happens under <see cref="_gate"/>; boots are
/// single-flight: queries that arrive while a boot runs await the same task. The owner also keeps
/// the service's warm pool: guests prepared ahead of a query (see <see cref="PoolMode"/>).
/// </summary>
public sealed class ServiceOwner
{
    private readonly object _gate = new();
    private readonly SummonEngine _engine;
    private readonly ILogger _log;
    private readonly List<PoolMember> _pool = [];
    private int _preparing;
    private readonly List<Task> _preparations = [];
    private readonly List<Task> _destroys = [];
    private Task<SummonOutcome>? _boot;
    private int _bootSequence;
    private int _consecutiveFailures;
    private int _poolFailures;
    private DateTime _backoffUntil;
    private CancellationTokenSource? _activeBoot;
    private bool _exitedDuringBoot;
    private bool _stopRequested;
    // A reload's spec waiting for the running (or booting) guest to go; the next boot uses it.
    private ServiceSpec? _pending;
    // Removed from the configuration: serves its running guest until drained, never boots again.
    private bool _retired;

    /// <param name="Spec">What the member was made from (its share of the caps is returned by it).</param>
    private sealed record PoolMember(IGuest Guest, ServiceSpec Spec);

    // The guest GuestName names once its create returned (booting, ready); read lock-free on the answer path.
    private IGuest? _guest;

    internal ServiceOwner(ServiceSpec spec, SummonEngine engine, ILogger log)
    {
        Spec = spec;
        _engine = engine;
        _log = log;
    }

    /// <summary>What the running guest was made from, and what the next boot uses unless a reload left a <see cref="PendingSpec"/>.</summary>
    public ServiceSpec Spec { get; private set; }

    /// <summary>A reloaded spec that replaces <see cref="Spec"/> once the running guest is gone (reaped, stopped or crashed).</summary>
    public ServiceSpec? PendingSpec { get { lock (_gate) return _pending; } }

    /// <summary>The spec the configuration holds now: the pending one if a reload left one.</summary>
    public ServiceSpec LatestSpec { get { lock (_gate) return _pending ?? Spec; } }

    public SummonState State { get; private set; } = SummonState.Cold;

    public string? GuestName { get; private set; }

    public GuestNetwork? Network { get; private set; }

    public DateTime? ReadySinceUtc { get; private set; }

    // Ticks, written without the lock on the ready fast path.
    private long _lastQueryTicks;
    // Counts queries, so an idle reap can tell that one took the lock-free path while it decided.
    private long _queryCount;

    public DateTime LastQueryUtc
    {
        get => new(Volatile.Read(ref _lastQueryTicks), DateTimeKind.Utc);
        private set => Volatile.Write(ref _lastQueryTicks, value.Ticks);
    }

    // The answer for a ready service, made once per readiness so hot queries allocate nothing.
    private Task<SummonOutcome>? _ready;

    public DateTime LastTrafficUtc { get; private set; }

    public TimeSpan? LastSummon { get; private set; }

    /// <summary>True when the last summon was served from the warm pool.</summary>
    public bool LastSummonWarm { get; private set; }

    public int PoolReady { get { lock (_gate) return _pool.Count; } }

    /// <summary>Boots and pool preparations in flight (shutdown waits for them so their guests are not left behind).</summary>
    internal Task[] WorkInFlight
    {
        get
        {
            lock (_gate)
            {
                var work = new List<Task>(_preparations.Where(t => !t.IsCompleted));
                if (State == SummonState.Booting && _boot is not null) work.Add(_boot);
                return [.. work];
            }
        }
    }

    internal long LastCounterTotal { get; set; } = -1;

    /// <summary>The running (or booting, once created) guest.</summary>
    internal IGuest? Guest => Volatile.Read(ref _guest);

    /// <summary>
    /// Returns the service address, booting a guest (or waking a pooled one) if none runs. The one
    /// way in for every asker (a DNS query, the door, tests): the caller bounds its own wait, and
    /// giving up never cancels the boot (later askers get it).
    /// </summary>
    /// <param name="trigger">What asked, counted when this starts a boot.</param>
    /// <param name="client">The asking client, charged to <see cref="EngineOptions.SummonBudget"/> only when
    /// its query starts a boot (read synchronously, never kept).</param>
    public Task<SummonOutcome> SummonAsync(SummonTrigger trigger, System.Net.SocketAddress? client)
    {
        // Fast path: a ready service answers without the lock. The query is counted *before*
        // _ready is read, both with full fences: an idle reap clears _ready and then re-reads the
        // count (TryReapIdleAsync), so either this query sees no _ready and takes the lock, or the
        // reap sees the query and keeps the guest. An answer never names a guest being reaped.
        LastQueryUtc = DateTime.UtcNow;
        Interlocked.Increment(ref _queryCount);
        Task<SummonOutcome>? ready = Volatile.Read(ref _ready);
        if (ready is not null)
        {
            // A guest whose process is dead is never named, even before any event says so: this
            // query withdraws the answer itself (the exit's own report then finds nothing to do)
            // and boots a new guest.
            if (!(Volatile.Read(ref _guest) is { } guest && guest.HasExited)) return ready;
            OnGuestExited(new GuestExit(guest.Name, GuestExitReason.Crashed));
        }
        lock (_gate)
        {
            LastQueryUtc = DateTime.UtcNow;
            switch (State)
            {
                case SummonState.Ready:
                    if (_ready is null) Volatile.Write(ref _ready, Task.FromResult(new SummonOutcome(Network!.ServiceAddress, SummonFailure.None, null)));
                    return _ready;
                case SummonState.Booting:
                    return _boot!;
                case SummonState.Failed when DateTime.UtcNow < _backoffUntil:
                    return Task.FromResult(SummonOutcome.Fail(SummonFailure.Backoff, $"{Spec.Name} failed {_consecutiveFailures} time(s); retrying after {_backoffUntil:HH:mm:ss.fff}"));
                default:
                    if (_engine.IsStopping) return Task.FromResult(SummonOutcome.Fail(SummonFailure.Stopping, "summoner is shutting down"));
                    if (_retired) return Task.FromResult(SummonOutcome.Fail(SummonFailure.Removed, $"{Spec.Name} was removed from the configuration"));
                    if (_engine.Options.SummonBudget is { } budget && !budget.TryTake(client))
                        return Task.FromResult(SummonOutcome.Fail(SummonFailure.ClientBudget, "this client's summon budget is spent ([limits] client_summons)"));
                    Transition(SummonState.Booting);
                    _engine.Observer.SummonTriggered(Spec.Name, trigger);
                    PoolMember? member = null;
                    if (_pool.Count > 0) { member = _pool[0]; _pool.RemoveAt(0); _engine.Observer.PoolChanged(Spec.Name, _pool.Count); }
                    _boot = member is null ? Task.Run(BootAsync) : Task.Run(() => WakeAsync(member));
                    return _boot;
            }
        }
    }

    /// <summary>
    /// Takes a reloaded spec. A cold or failed service uses it at once (and forgets its crash-loop
    /// back-off: the new spec may be the fix); a running or booting guest keeps serving as it was
    /// made, and the spec waits for it to go. Pool members of the old spec are destroyed.
    /// </summary>
    internal void Update(ServiceSpec spec)
    {
        List<PoolMember> members;
        lock (_gate)
        {
            // Taken with the spec change, so no summon wakes a member of the old spec under the new one.
            members = TakePoolLocked();
            if (State is SummonState.Cold or SummonState.Failed)
            {
                UseSpecLocked(spec);
                _consecutiveFailures = 0;
                _backoffUntil = default;
                if (State == SummonState.Failed) Transition(SummonState.Cold);
            }
            else
            {
                _pending = spec;
            }
        }
        _ = DestroyMembersAsync(members).ContinueWith(_ => RefillPool(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Taken out of the configuration: no more boots or pool members; the running guest serves until <see cref="ReapAsync"/>.</summary>
    internal void Retire()
    {
        lock (_gate) _retired = true;
        _ = DrainPoolAsync();
    }

    /// <summary>Put back into the configuration while it drained.</summary>
    internal void Unretire(ServiceSpec spec)
    {
        lock (_gate) _retired = false;
        if (LatestSpec.Differences(spec).Count > 0) Update(spec);
        else RefillPool();
    }

    /// <summary>Guest names made so far (a service added again later continues past them).</summary>
    internal int BootSequence => Volatile.Read(ref _bootSequence);

    internal void ContinueSequence(int after)
    {
        lock (_gate) _bootSequence = Math.Max(_bootSequence, after);
    }

    private void UseSpecLocked(ServiceSpec spec)
    {
        Spec = spec;
        _pending = null;
        _poolFailures = 0;
    }

    /// <summary>A guest name of this service seen at start (ours or another instance's): new names start past its number.</summary>
    internal void NoteExistingGuest(string guestName)
    {
        if (!GuestNames.BelongsTo(guestName, _engine.Options.GuestNamePrefix, Spec.Name)) return;
        if (!int.TryParse(guestName.AsSpan(_engine.Options.GuestNamePrefix.Length + Spec.Name.Length + 1), System.Globalization.CultureInfo.InvariantCulture, out int n)) return;
        lock (_gate) _bootSequence = Math.Max(_bootSequence, n);
    }

    /// <summary>
    /// Takes back a running guest an earlier run of this daemon made (restart): ready at once, its
    /// idle timer starting now. False when the service already has a guest.
    /// </summary>
    internal bool TryAdopt(IGuest guest)
    {
        string guestName = guest.Name;
        GuestNetwork network = guest.Network;
        lock (_gate)
        {
            if (State != SummonState.Cold) return false;
            GuestName = guestName;
            Network = network;
            Volatile.Write(ref _guest, guest);
            ReadySinceUtc = DateTime.UtcNow;
            LastTrafficUtc = DateTime.UtcNow;
            LastCounterTotal = -1;
            Transition(SummonState.Ready);
        }
        _engine.GuestStarted(this, guestName);
        WatchExit(guest);
        _log.LogInformation("{Service}: took back {Guest} at {Address}, left running by this summoner's previous run", Spec.Name, guestName, network.ServiceAddress);
        return true;
    }

    private string NextGuestName() => GuestNames.Of(_engine.Options.GuestNamePrefix, Spec.Name, Interlocked.Increment(ref _bootSequence));

    /// <summary>Cold path: wait for room under the caps, create a guest and wait until it proves it listens.</summary>
    private async Task<SummonOutcome> BootAsync()
    {
        var total = Stopwatch.StartNew();
        if (await _engine.ReserveAsync(Spec, forQuery: true).ConfigureAwait(false) is { } capRefusal)
        {
            _engine.Observer.CapRefused(Spec.Name, capRefusal);
            var refused = SummonOutcome.Fail(SummonFailure.Cap, $"over the {capRefusal.ConfigKey()} cap for {total.Elapsed.TotalMilliseconds:0} ms");
            lock (_gate) Transition(SummonState.Cold);
            _engine.Observer.SummonFinished(Spec.Name, SummonKind.Cold, refused, total.Elapsed);
            return refused;
        }

        string guestName = NextGuestName();
        GuestNetwork network;
        try
        {
            network = _engine.Network.Allocate(Spec, guestName);
        }
        catch (InvalidOperationException ex)
        {
            _engine.Unreserve(Spec);
            var noAddress = SummonOutcome.Fail(SummonFailure.Cap, ex.Message);
            lock (_gate) Transition(SummonState.Cold);
            _engine.Observer.SummonFinished(Spec.Name, SummonKind.Cold, noAddress, total.Elapsed);
            return noAddress;
        }
        using var deadline = new CancellationTokenSource(Spec.BootDeadline);
        lock (_gate) { GuestName = guestName; Network = network; _activeBoot = deadline; _exitedDuringBoot = false; }
        IGuest? guest = null;
        IConsoleReader? console = null;
        var create = Stopwatch.StartNew();
        try
        {
            guest = await CreateAsync(Spec, guestName, network, startPaused: false, deadline.Token).ConfigureAwait(false);
            lock (_gate) if (GuestName == guestName) Volatile.Write(ref _guest, guest);
            console = guest.ReadConsole(fromStart: true);
            Phase(SummonKind.Cold, SummonPhase.Create, create.Elapsed, total.Elapsed);
            await WaitReadyAsync(SummonKind.Cold, console, network, total, deadline.Token).ConfigureAwait(false);
            return BecomeReady(guest, total, SummonKind.Cold);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return FailBoot(guestName, network, guest, console, total, SummonKind.Cold, ex);
        }
        finally
        {
            console?.Dispose();
            // The boot slot is held from create until ready or failed (concurrent_boots).
            _engine.BootEnded();
            RefillPool();
        }
    }

    /// <summary>
    /// Warm path: resume a pooled guest; if it was created paused it still has to boot. Readiness is
    /// proved again after the resume from console lines printed after it: what the member printed
    /// while it was prepared proves nothing about the guest now.
    /// </summary>
    private async Task<SummonOutcome> WakeAsync(PoolMember member)
    {
        var total = Stopwatch.StartNew();
        SummonKind kind = Spec.PoolMode == PoolMode.Created ? SummonKind.Prestart : SummonKind.Warm;
        using var deadline = new CancellationTokenSource(Spec.BootDeadline);
        IGuest guest = member.Guest;
        lock (_gate) { GuestName = guest.Name; Network = guest.Network; Volatile.Write(ref _guest, guest); _activeBoot = deadline; _exitedDuringBoot = false; }
        // Opened before the resume: everything it reads was printed after.
        using IConsoleReader console = guest.ReadConsole(fromStart: false);
        try
        {
            await guest.ResumeAsync(deadline.Token).ConfigureAwait(false);
            Phase(kind, SummonPhase.Create, total.Elapsed, total.Elapsed);
            await WaitReadyAsync(kind, console, guest.Network, total, deadline.Token, awaitReadyLine: kind == SummonKind.Prestart).ConfigureAwait(false);
            return BecomeReady(guest, total, kind);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return FailBoot(guest.Name, guest.Network, guest, console, total, kind, ex);
        }
        finally
        {
            RefillPool();
        }
    }

    private async Task<IGuest> CreateAsync(ServiceSpec spec, string guestName, GuestNetwork network, bool startPaused, CancellationToken cancellationToken)
    {
        string cmdline = _engine.Network.GuestCommandLine(network, spec);
        if (spec.ExtraCommandLine.Length > 0) cmdline += " " + spec.ExtraCommandLine;
        var launch = new GuestLaunch(guestName, spec.ImagePath, cmdline, spec.MemoryMiB, spec.VirtualCpus, network, startPaused)
        {
            Environment = spec.Environment,
            Ownership = _engine.Options.InstanceId is { } instance ? new GuestOwnership(instance, spec.Name, spec.Fingerprint()) : null,
        };
        Task<IGuest> create = _engine.Driver.CreateAsync(launch, cancellationToken);
        try
        {
            // libvirt calls cannot be interrupted: a create stuck past the deadline (full disk, hung
            // libvirt) is abandoned here and its guest destroyed once the call returns (FailBoot).
            IGuest guest = await create.WaitAsync(cancellationToken).ConfigureAwait(false);
            WatchExit(guest);
            return guest;
        }
        catch (OperationCanceledException) when (!create.IsCompleted)
        {
            throw new CreateAbandonedException(create, cancellationToken);
        }
        finally
        {
            // Registered even if creation threw: its share of the caps goes back by the same Release.
            _engine.GuestStarted(this, guestName);
        }
    }

    /// <summary>A guest that stops on its own is reported to <see cref="OnGuestExited"/> (a destroy we asked for is not).</summary>
    private void WatchExit(IGuest guest) =>
        guest.Exited.ContinueWith(static (exited, owner) => ((ServiceOwner)owner!).OnGuestExited(exited.Result), this,
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    /// <param name="awaitReadyLine">False for a resumed booted member: it printed its ready lines
    /// before it was suspended, so only a fresh accepted line can prove it.</param>
    private async Task WaitReadyAsync(SummonKind kind, IConsoleReader console, GuestNetwork network, Stopwatch total, CancellationToken cancellationToken, bool awaitReadyLine = true)
    {
        var state = new ReadinessState(Spec.ProbePorts, Spec.ProbeUdpPorts);
        if (awaitReadyLine)
        {
            TimeSpan boot = await ReadinessProbe.WaitForConsoleAsync(console, state, cancellationToken).ConfigureAwait(false);
            Phase(kind, SummonPhase.Boot, boot, total.Elapsed);
        }
        TimeSpan ready = await ReadinessProbe.WaitForTcpAsync(network.ServiceAddress, Spec.ProbePorts, console, state, cancellationToken, _engine.Options.ProbeSockets).ConfigureAwait(false);
        Phase(kind, SummonPhase.Ready, ready, total.Elapsed);
    }

    private SummonOutcome BecomeReady(IGuest guest, Stopwatch total, SummonKind kind)
    {
        string guestName = guest.Name;
        GuestNetwork network = guest.Network;
        var outcome = new SummonOutcome(network.ServiceAddress, SummonFailure.None, null);
        lock (_gate)
        {
            if (State != SummonState.Booting || GuestName != guestName)
                return SummonOutcome.Fail(SummonFailure.BootFailed, $"{guestName} stopped while booting");
            _activeBoot = null;
            Volatile.Write(ref _guest, guest);
            _stopRequested = false; // the boot won the race with a stop: the next stop reaps it
            ReadySinceUtc = DateTime.UtcNow;
            LastTrafficUtc = DateTime.UtcNow;
            LastCounterTotal = -1;
            LastSummon = total.Elapsed;
            LastSummonWarm = kind != SummonKind.Cold;
            _consecutiveFailures = 0;
            Transition(SummonState.Ready);
        }
        _log.LogInformation("{Service}: ready at {Address} in {Ms:F1} ms ({Guest}, {Kind})", Spec.Name, network.ServiceAddress, total.Elapsed.TotalMilliseconds, guestName, kind.ToString().ToLowerInvariant());
        _engine.Observer.SummonFinished(Spec.Name, kind, outcome, total.Elapsed);
        return outcome;
    }

    /// <summary>Records a failed boot and answers at once; the guest is destroyed in the background.</summary>
    /// <param name="guest">Null when the create did not return it (it failed, leaving nothing, or was abandoned).</param>
    private SummonOutcome FailBoot(string guestName, GuestNetwork network, IGuest? guest, IConsoleReader? console, Stopwatch total, SummonKind kind, Exception ex)
    {
        bool exited;
        string? detail0 = null;
        lock (_gate) { exited = _exitedDuringBoot; _activeBoot = null; }
        bool timedOut = ex is OperationCanceledException && !exited;
        if (ex is CreateAbandonedException) detail0 = $"the create did not return within {Spec.BootDeadline.TotalSeconds:0.###} s; abandoned, its guest is destroyed when it does";
        string detail = detail0 ?? (exited ? "the guest exited during boot" : timedOut ? $"not ready within {Spec.BootDeadline.TotalSeconds:0.###} s" : ex.Message);
        _log.LogWarning("{Service}: boot of {Guest} failed after {Ms:F1} ms: {Detail}\n--- last console lines ---\n{Console}",
            Spec.Name, guestName, total.Elapsed.TotalMilliseconds, detail, console?.Tail(20) ?? "(the create did not return a guest)");
        DestroyInBackground(Spec, guestName, network, guest, reason: null, (ex as CreateAbandonedException)?.Create);
        bool stopped;
        lock (_gate) { stopped = _stopRequested; _stopRequested = false; }
        if (stopped) { detail = ReapReason.Stopped.Describe(); timedOut = false; }
        var failed = SummonOutcome.Fail(timedOut ? SummonFailure.Deadline : SummonFailure.BootFailed, detail);
        lock (_gate)
        {
            if (GuestName == guestName) { GuestName = null; Network = null; Volatile.Write(ref _guest, null); }
            // A stop is not a crash: the service is cold, and the next query boots it at once.
            if (!stopped)
            {
                _consecutiveFailures++;
                _backoffUntil = DateTime.UtcNow + _engine.Backoff(_consecutiveFailures);
            }
            if (State == SummonState.Booting) Transition(stopped ? SummonState.Cold : SummonState.Failed);
        }
        _engine.Observer.SummonFinished(Spec.Name, kind, failed, total.Elapsed);
        return failed;
    }

    /// <summary>
    /// libvirt 9.0's destroy waits a fixed ~200 ms: it never runs on an answer's path. The guest
    /// keeps its share of the caps (and its address) until it is really gone.
    /// </summary>
    /// <param name="spec">What the guest was made from: its share of the caps goes back by it, whatever a reload put in <see cref="Spec"/> since.</param>
    /// <param name="guest">The guest to destroy; null when its create failed (the driver left nothing) or was abandoned (<paramref name="pendingCreate"/>).</param>
    private void DestroyInBackground(ServiceSpec spec, string guestName, GuestNetwork network, IGuest? guest, ReapReason? reason, Task<IGuest>? pendingCreate = null)
    {
        Task destroy = Task.Run(async () =>
        {
            if (pendingCreate is not null)
            {
                try { guest = await pendingCreate.ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OutOfMemoryException) { _log.LogDebug("{Service}: abandoned create of {Guest} failed: {Message}", Spec.Name, guestName, ex.Message); }
                _log.LogInformation("{Service}: abandoned create of {Guest} returned; destroying it", Spec.Name, guestName);
            }
            var sw = Stopwatch.StartNew();
            if (guest is not null) await DestroyQuietlyAsync(guest).ConfigureAwait(false);
            _engine.Release(spec, guestName, network);
            if (reason is not { } why) return;
            _log.LogInformation("{Service}: reaped {Guest} ({Reason}) in {Ms:F1} ms", Spec.Name, guestName, why.Describe(), sw.Elapsed.TotalMilliseconds);
        });
        lock (_gate)
        {
            _destroys.RemoveAll(t => t.IsCompleted);
            _destroys.Add(destroy);
        }
    }

    /// <summary>Background destroys not finished yet (shutdown waits for them).</summary>
    internal Task DestroysInFlight { get { lock (_gate) return Task.WhenAll(_destroys); } }

    /// <summary>Starts preparing pool members until the pool holds <see cref="ServiceSpec.WarmPool"/>.</summary>
    internal void RefillPool()
    {
        lock (_gate)
        {
            // Stop refilling after repeated preparation failures; the next summon boots cold.
            if (_engine.IsStopping || _poolFailures >= 3) return;
            // A retired service makes no guests; one whose spec waits for a reload makes none of the old spec.
            if (_retired || _pending is not null) return;
            _preparations.RemoveAll(t => t.IsCompleted);
            while (_pool.Count + _preparing < Spec.WarmPool)
            {
                _preparing++;
                ServiceSpec spec = Spec;
                _preparations.Add(Task.Run(() => PrepareMemberAsync(spec)));
            }
        }
    }

    private async Task PrepareMemberAsync(ServiceSpec spec)
    {
        // A refill never waits and never takes room a summon waits for.
        if (await _engine.ReserveAsync(spec, forQuery: false).ConfigureAwait(false) is { } capRefusal)
        {
            _engine.Observer.CapRefused(spec.Name, capRefusal);
            lock (_gate) _preparing--;
            return;
        }
        string guestName = NextGuestName();
        GuestNetwork network;
        try
        {
            network = _engine.Network.Allocate(spec, guestName);
        }
        catch (InvalidOperationException ex)
        {
            _engine.Unreserve(spec);
            _log.LogWarning("{Service}: no address for a pool member: {Message}", spec.Name, ex.Message);
            lock (_gate) { _preparing--; _poolFailures++; }
            return;
        }
        var total = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(spec.BootDeadline);
        IGuest? guest = null;
        IConsoleReader? console = null;
        bool bootEnded = false;
        try
        {
            bool paused = spec.PoolMode == PoolMode.Created;
            guest = await CreateAsync(spec, guestName, network, paused, deadline.Token).ConfigureAwait(false);
            if (!paused)
            {
                console = guest.ReadConsole(fromStart: true);
                var state = new ReadinessState(spec.ProbePorts, spec.ProbeUdpPorts);
                await ReadinessProbe.WaitForConsoleAsync(console, state, deadline.Token).ConfigureAwait(false);
                await ReadinessProbe.WaitForTcpAsync(network.ServiceAddress, spec.ProbePorts, console, state, deadline.Token, _engine.Options.ProbeSockets).ConfigureAwait(false);
                await guest.SuspendAsync(deadline.Token).ConfigureAwait(false);
            }
            _engine.BootEnded();
            bootEnded = true;
            bool keep;
            lock (_gate)
            {
                _preparing--;
                // A reload or removal while it was prepared makes it a guest of a spec no longer wanted.
                keep = !_engine.IsStopping && !_retired && _pending is null && ReferenceEquals(spec, Spec);
                if (keep) { _pool.Add(new PoolMember(guest, spec)); _poolFailures = 0; _engine.Observer.PoolChanged(spec.Name, _pool.Count); }
            }
            if (!keep) { await DestroyQuietlyAsync(guest).ConfigureAwait(false); _engine.Release(spec, guestName, network); return; }
            _log.LogInformation("{Service}: pool member {Guest} prepared ({Mode}) in {Ms:F1} ms", spec.Name, guestName, spec.PoolMode, total.Elapsed.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log.LogWarning("{Service}: preparing pool member {Guest} failed: {Message}\n{Console}", spec.Name, guestName, ex.Message, console?.Tail(10) ?? "");
            if (!bootEnded) _engine.BootEnded();
            lock (_gate) { _preparing--; _poolFailures++; }
            DestroyInBackground(spec, guestName, network, guest, reason: null, (ex as CreateAbandonedException)?.Create);
        }
        finally
        {
            console?.Dispose();
        }
    }

    /// <summary>
    /// Destroys the running guest (idle, stop command, shutdown). Safe to call in any state. The
    /// service is cold at once, so the next query boots a new guest without waiting for the
    /// destroy; the returned task completes when the old guest is gone.
    /// </summary>
    public Task ReapAsync(ReapReason reason)
    {
        lock (_gate)
        {
            if (State == SummonState.Booting && _activeBoot is not null)
            {
                // A boot in progress is cancelled; its failure path destroys the guest.
                _stopRequested = true;
                try { _activeBoot.Cancel(); } catch (ObjectDisposedException) { }
                _engine.Observer.Reaped(Spec.Name, reason);
                return _boot!;
            }
            if (State != SummonState.Ready || _guest is null) return Task.CompletedTask;
            return ReapLocked(reason);
        }
    }

    private Task ReapLocked(ReapReason reason)
    {
        IGuest guest = _guest!;
        ServiceSpec made = Spec;
        GuestName = null;
        Network = null;
        Volatile.Write(ref _guest, null);
        ReadySinceUtc = null;
        Transition(SummonState.Cold);
        // Counted when decided, like the state change: whoever sees the service cold sees the reap.
        _engine.Observer.Reaped(Spec.Name, reason);
        DestroyInBackground(made, guest.Name, guest.Network, guest, reason);
        return _destroys[^1];
    }

    /// <summary>Destroys every pool member (shutdown).</summary>
    internal Task DrainPoolAsync()
    {
        List<PoolMember> members;
        lock (_gate) members = TakePoolLocked();
        return DestroyMembersAsync(members);
    }

    private List<PoolMember> TakePoolLocked()
    {
        List<PoolMember> members = [.. _pool];
        _pool.Clear();
        _engine.Observer.PoolChanged(Spec.Name, 0);
        return members;
    }

    private async Task DestroyMembersAsync(List<PoolMember> members)
    {
        foreach (PoolMember m in members)
        {
            await DestroyQuietlyAsync(m.Guest).ConfigureAwait(false);
            _engine.Release(m.Spec, m.Guest.Name, m.Guest.Network);
        }
    }

    /// <summary>A guest stopped; one we did not destroy ourselves is handled as a crash.</summary>
    internal void OnGuestExited(GuestExit exit)
    {
        if (exit.Reason == GuestExitReason.Destroyed) return;
        GuestNetwork? network = null;
        ServiceSpec made;
        bool active;
        lock (_gate)
        {
            made = Spec;
            int i = _pool.FindIndex(m => m.Guest.Name == exit.GuestName);
            if (i >= 0)
            {
                network = _pool[i].Guest.Network;
                made = _pool[i].Spec;
                _pool.RemoveAt(i);
                _poolFailures++;
                _engine.Observer.PoolChanged(Spec.Name, _pool.Count);
                active = false;
            }
            else
            {
                if (GuestName != exit.GuestName) return;
                active = true;
                network = Network;
                bool wasReady = State == SummonState.Ready;
                GuestName = null;
                Network = null;
                Volatile.Write(ref _guest, null);
                ReadySinceUtc = null;
                // A guest that ran fine and then died is cold: the next query summons it again at
                // once. One that dies while booting counts towards the crash-loop back-off.
                if (wasReady)
                {
                    Transition(SummonState.Cold);
                }
                else
                {
                    // Still booting: stop the boot's wait; its failure path records the crash loop.
                    _exitedDuringBoot = true;
                    try { _activeBoot?.Cancel(); } catch (ObjectDisposedException) { }
                    return;
                }
            }
        }
        if (network is not null) _engine.Release(made, exit.GuestName, network);
        _engine.Observer.Crashed(Spec.Name, exit.Reason);
        _log.LogWarning("{Service}: {Kind} {Guest} exited ({Reason}); service is {State}", Spec.Name, active ? "guest" : "pool member", exit.GuestName, exit.Reason, State);
        if (!active) RefillPool();
    }

    /// <summary>Traffic seen outside the guest (a relayed connection open or moving bytes): the guest is not idle.</summary>
    public void NoteActivity()
    {
        lock (_gate) LastTrafficUtc = DateTime.UtcNow;
    }

    internal void NoteTraffic(long total, int openConnections)
    {
        lock (_gate)
        {
            if ((total != LastCounterTotal && LastCounterTotal >= 0) || openConnections > 0) LastTrafficUtc = DateTime.UtcNow;
            LastCounterTotal = total;
        }
    }

    /// <summary>
    /// True when a ready guest saw neither a query nor a byte for its idle timeout, and no answer
    /// naming it is still within its TTL: a client may connect any time until its answer expires
    /// (a slow client, or one on a loaded machine, comes well after the idle timeout), and reaping
    /// under it loses that first connection. Call under the lock.
    /// </summary>
    private bool IsIdleLocked(DateTime nowUtc)
    {
        if (State != SummonState.Ready || ReadySinceUtc is null) return false;
        // Answers go out on each query and, for queries that waited for the boot, at readiness.
        DateTime lastAnswer = LastQueryUtc > ReadySinceUtc.Value ? LastQueryUtc : ReadySinceUtc.Value;
        if (nowUtc - lastAnswer < _engine.Options.AnswerTtl) return false;
        DateTime last = LastTrafficUtc > lastAnswer ? LastTrafficUtc : lastAnswer;
        return nowUtc - last >= Spec.IdleTimeout;
    }

    /// <summary>Reaps the guest if it is idle (see <see cref="IsIdleLocked"/>), unless a query arrives while deciding.</summary>
    internal Task<bool> TryReapIdleAsync(DateTime nowUtc)
    {
        lock (_gate)
        {
            // Count first: a query counted before this read also wrote LastQueryUtc before it, so the
            // idleness check below sees it; one counted after shows up in the second read.
            long queries = Interlocked.Read(ref _queryCount);
            if (!IsIdleLocked(nowUtc)) return Task.FromResult(false);
            // Withdraw the lock-free answer first, then look again for a query that took it (see SummonAsync).
            Task<SummonOutcome>? ready = Interlocked.Exchange(ref _ready, null);
            if (Interlocked.Read(ref _queryCount) != queries)
            {
                Volatile.Write(ref _ready, ready);
                return Task.FromResult(false);
            }
            return ReapLocked(ReapReason.Idle).ContinueWith(_ => true, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Phase(SummonKind kind, SummonPhase phase, TimeSpan elapsed, TimeSpan total)
    {
        _engine.Observer.PhaseCompleted(Spec.Name, kind, phase, elapsed);
        _log.LogInformation("{Service}: {Phase} took {Ms:F1} ms (summon at {Total:F1} ms)", Spec.Name, phase.ToString().ToLowerInvariant(), elapsed.TotalMilliseconds, total.TotalMilliseconds);
    }

    private async Task DestroyQuietlyAsync(IGuest guest)
    {
        try
        {
            await guest.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log.LogWarning("{Service}: destroying {Guest} failed: {Message}", Spec.Name, guest.Name, ex.Message);
        }
    }

    private void Transition(SummonState to)
    {
        SummonState from = State;
        if (to is SummonState.Cold or SummonState.Failed && _pending is { } next)
        {
            // The guest a reload left running is gone: from now on the service is what the file says.
            // A failure of the old spec says nothing about the new one.
            UseSpecLocked(next);
            if (to == SummonState.Failed) { _consecutiveFailures = 0; _backoffUntil = default; to = SummonState.Cold; }
            _log.LogInformation("{Service}: the reloaded configuration applies from its next summon", Spec.Name);
            _ = Task.Run(RefillPool);
            _ = Task.Run(_engine.OnPendingSpecApplied);
        }
        if (from == to) return;
        State = to;
        Volatile.Write(ref _ready, to == SummonState.Ready ? Task.FromResult(new SummonOutcome(Network!.ServiceAddress, SummonFailure.None, null)) : null);
        _engine.Observer.StateChanged(Spec.Name, from, to);
    }
}

/// <summary>A create abandoned at the boot deadline; <see cref="Create"/> is the call still running.</summary>
internal sealed class CreateAbandonedException(Task<IGuest> create, CancellationToken token) : OperationCanceledException("the create was abandoned at the boot deadline", token)
{
    public Task<IGuest> Create { get; } = create;
}
