using Microsoft.Extensions.Logging;
using static Summoner.Engine.ServiceState;

namespace Summoner.Engine;

/// <summary>
/// The single owner of one service's state machine over <see cref="ServiceState"/> (cold → booting
/// → ready → cold, and failed with back-off), each state carrying its own data. Every transition
/// happens under <see cref="_gate"/>; boots are single-flight: queries that arrive while a boot runs
/// await the same task. Boots, wakes and pool preparations all run the service's one
/// <see cref="BootPipeline"/>; the <see cref="WarmPool"/> keeps guests prepared ahead of a query.
/// Room under the caps comes from <see cref="ICapacity"/>, never from the engine itself.
/// </summary>
public sealed class ServiceOwner
{
    private readonly object _gate = new();
    private readonly EngineParts _engine;
    private readonly ILogger _log;
    private readonly BootPipeline _pipeline;
    private readonly WarmPool _pool;
    // Read lock-free (State, the guest's name and network, the reaper); written under _gate.
    private ServiceState _state = Cold.Fresh;
    // The ready state as the lock-free answer path sees it: null when not ready, or while an idle
    // reap decides (TryReapIdleAsync withdraws it first).
    private Ready? _answering;
    // A reload's spec waiting for the running (or booting) guest to go; the next boot uses it.
    private ServiceSpec? _pending;
    // Removed from the configuration: serves its running guest until drained, never boots again.
    private bool _retired;

    internal ServiceOwner(ServiceSpec spec, EngineParts engine, ILogger log)
    {
        Spec = spec;
        _engine = engine;
        _log = log;
        _pipeline = new BootPipeline(spec.Name, engine, log, OnGuestExited);
        _pool = new WarmPool(spec.Name, _gate, _pipeline, engine, log, KeepsMemberLocked);
    }

    /// <summary>What the running guest was made from, and what the next boot uses unless a reload left a <see cref="PendingSpec"/>.</summary>
    public ServiceSpec Spec { get; private set; }

    /// <summary>A reloaded spec that replaces <see cref="Spec"/> once the running guest is gone (reaped, stopped or crashed).</summary>
    public ServiceSpec? PendingSpec { get { lock (_gate) return _pending; } }

    /// <summary>The spec the configuration holds now: the pending one if a reload left one.</summary>
    public ServiceSpec LatestSpec { get { lock (_gate) return _pending ?? Spec; } }

    private ServiceState Current => Volatile.Read(ref _state);

    public SummonState State => Current.Kind;

    /// <summary>The running guest's name; while booting, the name it is created under.</summary>
    public string? GuestName => Current switch
    {
        Ready r => r.Guest.Name,
        Booting { GuestExited: false } b => b.Attempt.GuestName,
        _ => null,
    };

    public GuestNetwork? Network => Current switch
    {
        Ready r => r.Guest.Network,
        Booting { GuestExited: false } b => b.Attempt.Network,
        _ => null,
    };

    public DateTime? ReadySinceUtc => Current is Ready r ? r.SinceUtc : null;

    /// <summary>The running (or booting, once created) guest.</summary>
    internal IGuest? Guest => Current switch
    {
        Ready r => r.Guest,
        Booting { GuestExited: false } b => b.Attempt.Guest,
        _ => null,
    };

    // Ticks, written without the lock on the ready fast path.
    private long _lastQueryTicks;
    // Counts queries, so an idle reap can tell that one took the lock-free path while it decided.
    private long _queryCount;

    public DateTime LastQueryUtc
    {
        get => new(Volatile.Read(ref _lastQueryTicks), DateTimeKind.Utc);
        private set => Volatile.Write(ref _lastQueryTicks, value.Ticks);
    }

    public TimeSpan? LastSummon { get; private set; }

    /// <summary>True when the last summon was served from the warm pool.</summary>
    public bool LastSummonWarm { get; private set; }

    public int PoolReady => _pool.ReadyCount;

    /// <summary>Boots and pool preparations in flight (shutdown waits for them so their guests are not left behind).</summary>
    internal Task[] WorkInFlight
    {
        get
        {
            lock (_gate)
            {
                var work = new List<Task>(_pool.PreparationsLocked);
                if (_state is Booting b) work.Add(b.Done);
                return [.. work];
            }
        }
    }

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
        // _answering is read, both with full fences: an idle reap clears _answering and then re-reads
        // the count (TryReapIdleAsync), so either this query sees no answer and takes the lock, or
        // the reap sees the query and keeps the guest. An answer never names a guest being reaped.
        LastQueryUtc = _engine.UtcNow;
        Interlocked.Increment(ref _queryCount);
        if (Volatile.Read(ref _answering) is { } answering)
        {
            // A guest whose process is dead is never named, even before any event says so: this
            // query withdraws the answer itself (the exit's own report then finds nothing to do)
            // and boots a new guest.
            if (!answering.Guest.HasExited) return answering.Answer;
            OnGuestExited(new GuestExit(answering.Guest.Name, GuestExitReason.Crashed));
        }
        lock (_gate)
        {
            LastQueryUtc = _engine.UtcNow;
            switch (_state)
            {
                case Ready ready:
                    Volatile.Write(ref _answering, ready);
                    return ready.Answer;
                case Booting booting:
                    return booting.Done;
                case Failed failed when _engine.UtcNow < failed.RetryAfterUtc:
                    return Task.FromResult(SummonOutcome.Fail(SummonFailure.Backoff, $"{Spec.Name} failed {failed.Failures} time(s); retrying after {failed.RetryAfterUtc:HH:mm:ss.fff}"));
                default:
                    if (_engine.IsStopping) return Task.FromResult(SummonOutcome.Fail(SummonFailure.Stopping, "summoner is shutting down"));
                    if (_retired) return Task.FromResult(SummonOutcome.Fail(SummonFailure.Removed, $"{Spec.Name} was removed from the configuration"));
                    if (_engine.Options.SummonBudget is { } budget && !budget.TryTake(client))
                        return Task.FromResult(SummonOutcome.Fail(SummonFailure.ClientBudget, "this client's summon budget is spent ([limits] client_summons)"));
                    int failures = _state switch { Failed f => f.Failures, Cold c => c.Failures, _ => 0 };
                    WarmPool.Member? member = _pool.TakeLocked();
                    var attempt = new BootAttempt(member?.Spec ?? Spec, member is null ? BootRoute.Cold : BootRoute.Wake(member.Guest, member.Spec.PoolMode), _engine.Options.Time);
                    // Started under the lock: the run takes it before it reads or changes the state, so it sees this Booting.
                    Task<SummonOutcome> done = Task.Run(() => SummonRunAsync(attempt));
                    SetStateLocked(new Booting(attempt, done, failures));
                    _engine.Observer.SummonTriggered(Spec.Name, trigger);
                    return done;
            }
        }
    }

    /// <summary>A summon's boot or wake: the pipeline's result becomes the service's next state.</summary>
    private async Task<SummonOutcome> SummonRunAsync(BootAttempt attempt)
    {
        using (attempt)
        {
            BootResult result = await _pipeline.RunAsync(attempt).ConfigureAwait(false);
            SummonKind kind = attempt.Route.Summon!.Value;
            if (result is BootResult.Refused refused)
            {
                var outcome = SummonOutcome.Fail(SummonFailure.Cap, refused.Detail);
                lock (_gate) if (IsRunLocked(attempt, out Booting? booting)) SetStateLocked(new Cold(booting.Failures));
                _engine.Observer.SummonFinished(Spec.Name, kind, outcome, attempt.Elapsed);
                return outcome;
            }
            try
            {
                return result is BootResult.Done done ? BecomeReady(attempt, done.Guest, kind) : FailBoot(attempt, (BootResult.Failed)result, kind);
            }
            finally
            {
                RefillPool();
            }
        }
    }

    /// <summary>True when <paramref name="attempt"/> is the boot the service is in.</summary>
    private bool IsRunLocked(BootAttempt attempt, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Booting? booting)
    {
        booting = _state as Booting;
        return booting is not null && ReferenceEquals(booting.Attempt, attempt);
    }

    private SummonOutcome BecomeReady(BootAttempt attempt, IGuest guest, SummonKind kind)
    {
        TimeSpan total = attempt.Elapsed;
        bool exited;
        lock (_gate)
        {
            exited = !IsRunLocked(attempt, out Booting? booting) || booting.GuestExited;
            if (!exited)
            {
                LastSummon = total;
                LastSummonWarm = kind != SummonKind.Cold;
                // A stop that lost the race with readiness goes with the Booting state: the next stop reaps this guest.
                SetStateLocked(Ready.Of(guest, _engine.UtcNow));
            }
        }
        // The guest exited between its last readiness line and now: a failed boot (its exit report
        // left the guest's room for this run to return).
        if (exited) return FailBoot(attempt, new BootResult.Failed(new GuestBootException($"{guest.Name} exited while booting"), guest, null), kind);
        var outcome = new SummonOutcome(guest.Network.ServiceAddress, SummonFailure.None, null) { Network = guest.Network };
        _log.LogInformation("{Service}: ready at {Address} in {Ms:F1} ms ({Guest}, {Kind})", Spec.Name, guest.Network.ServiceAddress, total.TotalMilliseconds, guest.Name, kind.ToString().ToLowerInvariant());
        _engine.Observer.SummonFinished(Spec.Name, kind, outcome, total);
        return outcome;
    }

    /// <summary>Records a failed boot and answers at once; the guest is destroyed in the background.</summary>
    private SummonOutcome FailBoot(BootAttempt attempt, BootResult.Failed failed, SummonKind kind)
    {
        TimeSpan total = attempt.Elapsed;
        bool exited;
        lock (_gate) exited = IsRunLocked(attempt, out Booting? booting) && booting.GuestExited;
        bool timedOut = failed.Error is OperationCanceledException && !exited;
        string detail = failed.Error is CreateAbandonedException ? $"the create did not return within {attempt.Spec.BootDeadline.TotalSeconds:0.###} s; abandoned, its guest is destroyed when it does"
            : exited ? "the guest exited during boot"
            : timedOut ? $"not ready within {attempt.Spec.BootDeadline.TotalSeconds:0.###} s"
            : failed.Error.Message;
        _log.LogWarning("{Service}: boot of {Guest} failed after {Ms:F1} ms: {Detail}\n--- last console lines ---\n{Console}",
            Spec.Name, attempt.GuestName, total.TotalMilliseconds, detail, failed.ConsoleTail ?? "(the create did not return a guest)");
        _ = _pipeline.DestroyInBackground(attempt.Spec, attempt.GuestName!, attempt.Network!, failed.Guest, reason: null, failed.PendingCreate);
        lock (_gate)
        {
            if (IsRunLocked(attempt, out Booting? booting))
            {
                // A stop is not a crash: the service is cold, and the next query boots it at once.
                if (booting.StopRequested)
                {
                    detail = ReapReason.Stopped.Describe();
                    timedOut = false;
                    SetStateLocked(new Cold(booting.Failures));
                }
                else
                {
                    int failures = booting.Failures + 1;
                    SetStateLocked(new Failed(failures, _engine.UtcNow + _engine.Options.Backoff(failures)));
                }
            }
        }
        var outcome = SummonOutcome.Fail(timedOut ? SummonFailure.Deadline : SummonFailure.BootFailed, detail);
        _engine.Observer.SummonFinished(Spec.Name, kind, outcome, total);
        return outcome;
    }

    /// <summary>
    /// Takes a reloaded spec. A cold or failed service uses it at once (and forgets its crash-loop
    /// back-off: the new spec may be the fix); a running or booting guest keeps serving as it was
    /// made, and the spec waits for it to go. Pool members of the old spec are destroyed.
    /// </summary>
    internal void Update(ServiceSpec spec)
    {
        List<WarmPool.Member> members;
        lock (_gate)
        {
            // Taken with the spec change, so no summon wakes a member of the old spec under the new one.
            members = _pool.TakeAllLocked();
            if (_state is Cold or Failed)
            {
                UseSpecLocked(spec);
                SetStateLocked(Cold.Fresh);
            }
            else
            {
                _pending = spec;
            }
        }
        _ = _pool.DestroyAsync(members).ContinueWith(_ => RefillPool(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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
    internal int BootSequence => _pipeline.Sequence;

    internal void ContinueSequence(int after) => _pipeline.ContinueAfter(after);

    private void UseSpecLocked(ServiceSpec spec)
    {
        Spec = spec;
        _pending = null;
        _pool.ForgetFailuresLocked();
    }

    /// <summary>A guest name of this service seen at start (ours or another instance's): new names start past its number.</summary>
    internal void NoteExistingGuest(string guestName)
    {
        string prefix = _engine.Options.GuestNamePrefix;
        if (!GuestNames.BelongsTo(guestName, prefix, Spec.Name)) return;
        if (int.TryParse(guestName.AsSpan(prefix.Length + Spec.Name.Length + 1), System.Globalization.CultureInfo.InvariantCulture, out int n))
            _pipeline.ContinueAfter(n);
    }

    /// <summary>
    /// Takes back a running guest an earlier run of this daemon made (restart): ready at once, its
    /// idle timer starting now. False when the service already has a guest.
    /// </summary>
    internal bool TryAdopt(IGuest guest)
    {
        lock (_gate)
        {
            if (_state is not Cold) return false;
            _engine.Capacity.Hold(guest.Name);
            SetStateLocked(Ready.Of(guest, _engine.UtcNow));
        }
        _pipeline.WatchExit(guest);
        _log.LogInformation("{Service}: took back {Guest} at {Address}, left running by this summoner's previous run", Spec.Name, guest.Name, guest.Network.ServiceAddress);
        return true;
    }

    /// <summary>Does the owner still want a pool member just prepared from <paramref name="spec"/>? (Under the lock.)</summary>
    private bool KeepsMemberLocked(ServiceSpec spec) =>
        !_engine.IsStopping && !_retired && _pending is null && ReferenceEquals(spec, Spec);

    /// <summary>Starts preparing pool members until the pool holds <see cref="ServiceSpec.WarmPool"/>.</summary>
    internal void RefillPool()
    {
        lock (_gate)
        {
            // A retired service makes no guests; one whose spec waits for a reload makes none of the old spec.
            if (_engine.IsStopping || _retired || _pending is not null) return;
            _pool.FillLocked(Spec);
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
            switch (_state)
            {
                case Booting booting when booting.Attempt.Deadline is not null:
                    // A boot in progress is cancelled; its failure path destroys the guest. (Before
                    // it has room there is nothing to stop yet.)
                    SetStateLocked(booting with { StopRequested = true });
                    booting.Attempt.Cancel();
                    _engine.Observer.Reaped(Spec.Name, reason);
                    return booting.Done;
                case Ready ready:
                    return ReapLocked(ready, reason);
                default:
                    return Task.CompletedTask;
            }
        }
    }

    private Task ReapLocked(Ready ready, ReapReason reason)
    {
        ServiceSpec made = Spec;
        SetStateLocked(Cold.Fresh);
        // Counted when decided, like the state change: whoever sees the service cold sees the reap.
        _engine.Observer.Reaped(Spec.Name, reason);
        return _pipeline.DestroyInBackground(made, ready.Guest.Name, ready.Guest.Network, ready.Guest, reason);
    }

    /// <summary>Background destroys not finished yet (shutdown waits for them).</summary>
    internal Task DestroysInFlight => _pipeline.DestroysInFlight;

    /// <summary>Destroys every pool member (shutdown).</summary>
    internal Task DrainPoolAsync()
    {
        List<WarmPool.Member> members;
        lock (_gate) members = _pool.TakeAllLocked();
        return _pool.DestroyAsync(members);
    }

    /// <summary>A guest stopped; one we did not destroy ourselves is handled as a crash.</summary>
    internal void OnGuestExited(GuestExit exit)
    {
        if (exit.Reason == GuestExitReason.Destroyed) return;
        GuestNetwork network;
        ServiceSpec made;
        bool active;
        lock (_gate)
        {
            if (_pool.RemoveExitedLocked(exit.GuestName) is { } member)
            {
                network = member.Guest.Network;
                made = member.Spec;
                active = false;
            }
            else
            {
                switch (_state)
                {
                    case Ready ready when ready.Guest.Name == exit.GuestName:
                        // A guest that ran fine and then died is cold: the next query summons it again at once.
                        network = ready.Guest.Network;
                        made = Spec;
                        active = true;
                        SetStateLocked(Cold.Fresh);
                        break;
                    case Booting { GuestExited: false } booting when booting.Attempt.GuestName == exit.GuestName:
                        // Still booting: stop the boot's wait; its failure path records the crash loop.
                        SetStateLocked(booting with { GuestExited = true });
                        booting.Attempt.Cancel();
                        return;
                    default:
                        return;
                }
            }
        }
        _engine.Capacity.Release(made, exit.GuestName, network);
        _engine.Observer.Crashed(Spec.Name, exit.Reason);
        _log.LogWarning("{Service}: {Kind} {Guest} exited ({Reason}); service is {State}", Spec.Name, active ? "guest" : "pool member", exit.GuestName, exit.Reason, State);
        if (!active) RefillPool();
    }

    /// <summary>Traffic seen outside the guest (a relayed connection open or moving bytes): the guest is not idle.</summary>
    public void NoteActivity()
    {
        lock (_gate)
        {
            if (_state is Ready ready) ReplaceReadyLocked(ready with { LastTrafficUtc = _engine.UtcNow });
        }
    }

    internal void NoteTraffic(long total, int openConnections)
    {
        lock (_gate)
        {
            if (_state is not Ready ready) return;
            bool moved = (total != ready.LastCounterTotal && ready.LastCounterTotal >= 0) || openConnections > 0;
            ReplaceReadyLocked(ready with { LastCounterTotal = total, LastTrafficUtc = moved ? _engine.UtcNow : ready.LastTrafficUtc });
        }
    }

    /// <summary>The same readiness with new activity: no transition, the published answer stays.</summary>
    private void ReplaceReadyLocked(Ready ready)
    {
        Volatile.Write(ref _state, ready);
        if (Volatile.Read(ref _answering) is not null) Volatile.Write(ref _answering, ready);
    }

    /// <summary>
    /// True when a ready guest saw neither a query nor a byte for its idle timeout, and no answer
    /// naming it is still within its TTL: a client may connect any time until its answer expires
    /// (a slow client, or one on a loaded machine, comes well after the idle timeout), and reaping
    /// under it loses that first connection. Call under the lock.
    /// </summary>
    private bool IsIdleLocked(Ready ready, DateTime nowUtc)
    {
        // Answers go out on each query and, for queries that waited for the boot, at readiness.
        DateTime lastAnswer = LastQueryUtc > ready.SinceUtc ? LastQueryUtc : ready.SinceUtc;
        if (nowUtc - lastAnswer < _engine.Options.AnswerTtl) return false;
        DateTime last = ready.LastTrafficUtc > lastAnswer ? ready.LastTrafficUtc : lastAnswer;
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
            if (_state is not Ready ready || !IsIdleLocked(ready, nowUtc)) return Task.FromResult(false);
            // Withdraw the lock-free answer first, then look again for a query that took it (see SummonAsync).
            Ready? answering = Interlocked.Exchange(ref _answering, null);
            if (Interlocked.Read(ref _queryCount) != queries)
            {
                Volatile.Write(ref _answering, answering);
                return Task.FromResult(false);
            }
            return ReapLocked(ready, ReapReason.Idle).ContinueWith(_ => true, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Moves to <paramref name="to"/>; leaving a guest behind (cold or failed) swaps in a pending spec.</summary>
    private void SetStateLocked(ServiceState to)
    {
        ServiceState from = _state;
        if (to is Cold or Failed && _pending is { } next)
        {
            // The guest a reload left running is gone: from now on the service is what the file says.
            // A failure of the old spec says nothing about the new one.
            UseSpecLocked(next);
            if (to is Failed) to = Cold.Fresh;
            _log.LogInformation("{Service}: the reloaded configuration applies from its next summon", Spec.Name);
            _ = Task.Run(RefillPool);
            _ = Task.Run(_engine.PendingSpecApplied);
        }
        Volatile.Write(ref _state, to);
        Volatile.Write(ref _answering, to as Ready);
        // Observers see the new state already in place (the egress broker reads the ready guest's name and address).
        if (from.Kind != to.Kind) _engine.Observer.StateChanged(Spec.Name, from.Kind, to.Kind);
    }
}
