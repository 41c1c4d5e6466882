using Microsoft.Extensions.Logging;

namespace Summoner.Engine;

/// <summary>How much readiness a route proves before its guest counts as done.</summary>
internal enum Readiness
{
    /// <summary>None: a pool member created paused stops before its boot.</summary>
    None,

    /// <summary>Only the TCP probe and a fresh accepted line: a resumed booted member printed its ready lines before its suspend.</summary>
    Probe,

    /// <summary>The ready lines on the console, then the TCP probe.</summary>
    LinesAndProbe,
}

/// <summary>
/// What differs between the ways a guest reaches ready: a cold boot, a pool member's preparation
/// and a wake run the same <see cref="BootPipeline"/> with different routes.
/// </summary>
/// <param name="Resume">A pool member to resume; null creates a new guest (taking room under the caps first).</param>
/// <param name="Summon">How a summon reports its phases; null for a pool preparation, which reports none.</param>
internal sealed record BootRoute(IGuest? Resume, bool StartPaused, Readiness Readiness, bool SuspendWhenReady, SummonKind? Summon)
{
    /// <summary>A query's boot from nothing.</summary>
    public static readonly BootRoute Cold = new(null, StartPaused: false, Readiness.LinesAndProbe, SuspendWhenReady: false, SummonKind.Cold);

    /// <summary>A query's wake of a pool member: a member created paused still has to boot.</summary>
    public static BootRoute Wake(IGuest member, PoolMode mode) => mode == PoolMode.Created
        ? new(member, false, Readiness.LinesAndProbe, false, SummonKind.Prestart)
        : new(member, false, Readiness.Probe, false, SummonKind.Warm);

    /// <summary>A pool member prepared ahead of a query: booted then suspended, or created paused.</summary>
    public static BootRoute Prepare(PoolMode mode) => mode == PoolMode.Created
        ? new(null, StartPaused: true, Readiness.None, SuspendWhenReady: false, Summon: null)
        : new(null, StartPaused: false, Readiness.LinesAndProbe, SuspendWhenReady: true, Summon: null);

    /// <summary>Summons may wait for room under a cap; a pool refill never does.</summary>
    public bool WaitsForRoom => Summon is not null;
}

/// <summary>
/// One run of the pipeline. The guest's name, network and deadline exist once the run has room
/// (<see cref="Begin"/>), its guest once the create returned; each is written once, by the run.
/// </summary>
internal sealed class BootAttempt(ServiceSpec spec, BootRoute route, TimeProvider time) : IDisposable
{
    private string? _guestName;
    private GuestNetwork? _network;
    private IGuest? _guest;
    private CancellationTokenSource? _deadline;

    /// <summary>What the guest is made from: its share of the caps goes back by it, whatever a reload did since.</summary>
    public ServiceSpec Spec { get; } = spec;

    public BootRoute Route { get; } = route;

    /// <summary>When the summon started (a cold boot's time includes its wait for room).</summary>
    public long Started { get; } = time.GetTimestamp();

    public TimeSpan Elapsed => time.GetElapsedTime(Started);

    public string? GuestName => Volatile.Read(ref _guestName);

    public GuestNetwork? Network => Volatile.Read(ref _network);

    public IGuest? Guest { get => Volatile.Read(ref _guest); set => Volatile.Write(ref _guest, value); }

    /// <summary>Cancelled at <see cref="ServiceSpec.BootDeadline"/> after <see cref="Begin"/>, by a stop, or by the guest's exit; null before.</summary>
    public CancellationTokenSource? Deadline => Volatile.Read(ref _deadline);

    /// <summary>The run has room: the boot deadline starts now (time spent waiting for room does not count).</summary>
    public CancellationToken Begin(string guestName, GuestNetwork network)
    {
        Volatile.Write(ref _guestName, guestName);
        Volatile.Write(ref _network, network);
        var deadline = new CancellationTokenSource(Spec.BootDeadline, time);
        Volatile.Write(ref _deadline, deadline);
        return deadline.Token;
    }

    /// <summary>Stops the run's waits (a stop, or the guest's exit); does nothing before <see cref="Begin"/> or after the run ended.</summary>
    public bool Cancel()
    {
        if (Deadline is not { } deadline) return false;
        try { deadline.Cancel(); } catch (ObjectDisposedException) { }
        return true;
    }

    public void Dispose() => Deadline?.Dispose();
}

/// <summary>How a run of the pipeline ended.</summary>
internal abstract record BootResult
{
    /// <summary>Never reached the hypervisor: over a cap (<paramref name="Cap"/>), or no address left (null).</summary>
    public sealed record Refused(EngineCap? Cap, string Detail) : BootResult;

    /// <summary>The guest is ready (or, for a pool member, suspended or created paused).</summary>
    public sealed record Done(IGuest Guest) : BootResult;

    /// <summary>The run failed after it had room; the guest (if any) is still to be destroyed.</summary>
    /// <param name="Guest">Null when the create did not return it (it failed, leaving nothing, or was abandoned: <see cref="PendingCreate"/>).</param>
    /// <param name="ConsoleTail">The console's last lines; null when there was no console to read.</param>
    public sealed record Failed(Exception Error, IGuest? Guest, string? ConsoleTail) : BootResult
    {
        public Task<IGuest>? PendingCreate => (Error as CreateAbandonedException)?.Create;
    }
}

/// <summary>
/// One service's guests from room to destroy: the one boot pipeline (room → create or resume →
/// readiness → done) every route runs, guest names, exit watching and background destroys. It holds
/// no service state: <see cref="ServiceOwner"/> and <see cref="WarmPool"/> decide what a result means.
/// </summary>
internal sealed class BootPipeline(string service, EngineParts engine, ILogger log, Action<GuestExit> exited)
{
    private readonly List<Task> _destroys = [];
    private int _sequence;

    /// <summary>Guest names made so far (a service added again later continues past them).</summary>
    public int Sequence => Volatile.Read(ref _sequence);

    public void ContinueAfter(int number)
    {
        int seen;
        do seen = Volatile.Read(ref _sequence);
        while (number > seen && Interlocked.CompareExchange(ref _sequence, number, seen) != seen);
    }

    private string NextName() => GuestNames.Of(engine.Options.GuestNamePrefix, service, Interlocked.Increment(ref _sequence));

    public async Task<BootResult> RunAsync(BootAttempt attempt)
    {
        ServiceSpec spec = attempt.Spec;
        BootRoute route = attempt.Route;
        IGuest? guest = route.Resume;
        CancellationToken deadline;
        if (guest is null)
        {
            if (await engine.Capacity.ReserveAsync(spec, forQuery: route.WaitsForRoom).ConfigureAwait(false) is { } cap)
            {
                engine.Observer.CapRefused(spec.Name, cap);
                return new BootResult.Refused(cap, $"over the {cap.ConfigKey()} cap for {attempt.Elapsed.TotalMilliseconds:0} ms");
            }
            string guestName = NextName();
            try
            {
                deadline = attempt.Begin(guestName, engine.Network.Allocate(spec, guestName));
            }
            catch (InvalidOperationException ex)
            {
                engine.Capacity.Unreserve(spec);
                return new BootResult.Refused(null, ex.Message);
            }
        }
        else
        {
            deadline = attempt.Begin(guest.Name, guest.Network);
            attempt.Guest = guest;
        }

        IConsoleReader? console = null;
        Task? resumed = null;
        try
        {
            if (guest is null)
            {
                long created = engine.Options.Time.GetTimestamp();
                guest = await CreateAsync(spec, attempt.GuestName!, attempt.Network!, route.StartPaused, deadline).ConfigureAwait(false);
                attempt.Guest = guest;
                if (route.Readiness != Readiness.None) console = guest.ReadConsole(fromStart: true);
                Phase(route, SummonPhase.Create, engine.Options.Time.GetElapsedTime(created), attempt);
            }
            else
            {
                // Opened before the resume: everything it reads was printed after. What the member
                // printed while it was prepared proves nothing about the guest now.
                console = guest.ReadConsole(fromStart: false);
                // Readiness does not wait for the resume call: libvirt returns from it only once
                // QEMU answered `cont`, which under TCG trails the vCPU's restart by 4-12 ms
                // (measured with libvirt's monitor log). A probe sent while the guest is still
                // paused waits in QEMU's network queue, and only the guest's own lines end the wait.
                resumed = ResumeAsync(guest, route, attempt, deadline);
            }
            if (console is not null)
            {
                Task proven = ProveReadyAsync(spec, route, attempt, guest, console, deadline);
                // A resume that fails fails the boot at once, not at the deadline.
                if (resumed is not null && await Task.WhenAny(proven, resumed).ConfigureAwait(false) == resumed) await resumed.ConfigureAwait(false);
                await proven.ConfigureAwait(false);
            }
            // A resume call still running is left to finish: the guest proved it runs.
            if (resumed is { IsCompleted: true }) await resumed.ConfigureAwait(false);
            if (route.SuspendWhenReady) await guest.SuspendAsync(deadline).ConfigureAwait(false);
            return new BootResult.Done(guest);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new BootResult.Failed(ex, attempt.Guest, console?.Tail(20));
        }
        finally
        {
            console?.Dispose();
            if (resumed is { IsCompleted: false }) LogLateResumeFailure(resumed, guest!.Name);
            else _ = resumed?.Exception; // observed: it failed this boot, or lost the race to the failure that did
            // A new guest holds its boot slot from create until ready or failed (concurrent_boots); a wake holds none.
            if (route.Resume is null) engine.Capacity.BootEnded();
        }
    }

    private async Task ResumeAsync(IGuest guest, BootRoute route, BootAttempt attempt, CancellationToken deadline)
    {
        await guest.ResumeAsync(deadline).ConfigureAwait(false);
        Phase(route, SummonPhase.Create, attempt.Elapsed, attempt);
    }

    private void LogLateResumeFailure(Task resumed, string guestName) =>
        resumed.ContinueWith(t => log.LogWarning("{Service}: the resume call for {Guest} failed after its boot ended: {Message}", service, guestName, t.Exception!.InnerException!.Message),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private async Task ProveReadyAsync(ServiceSpec spec, BootRoute route, BootAttempt attempt, IGuest guest, IConsoleReader console, CancellationToken deadline)
    {
        var state = new ReadinessState(spec.ProbePorts, spec.ProbeUdpPorts, tunnel: guest.Network is LoopbackNetwork && spec.UdpPorts.Count > 0);
        if (route.Readiness == Readiness.LinesAndProbe)
            Phase(route, SummonPhase.Boot, await ReadinessProbe.WaitForConsoleAsync(console, state, deadline).ConfigureAwait(false), attempt);
        TimeSpan probed = await ReadinessProbe.WaitForTcpAsync(guest.Network.ServiceAddress, spec.ProbePorts, console, state, deadline, engine.Options.ProbeSockets).ConfigureAwait(false);
        Phase(route, SummonPhase.Ready, probed, attempt);
    }

    private async Task<IGuest> CreateAsync(ServiceSpec spec, string guestName, GuestNetwork network, bool startPaused, CancellationToken cancellationToken)
    {
        string cmdline = engine.Network.GuestCommandLine(network, spec);
        if (spec.ExtraCommandLine.Length > 0) cmdline += " " + spec.ExtraCommandLine;
        var launch = new GuestLaunch(guestName, spec.ImagePath, cmdline, spec.MemoryMiB, spec.VirtualCpus, network, startPaused)
        {
            Environment = spec.Environment,
            Ownership = engine.Options.InstanceId is { } instance ? new GuestOwnership(instance, spec.Name, spec.Fingerprint()) : null,
        };
        Task<IGuest> create = engine.Driver.CreateAsync(launch, cancellationToken);
        try
        {
            // libvirt calls cannot be interrupted: a create stuck past the deadline (full disk, hung
            // libvirt) is abandoned here and its guest destroyed once the call returns (DestroyInBackground).
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
            // Held even if creation threw: its share of the caps goes back by the same Release.
            engine.Capacity.Hold(guestName);
        }
    }

    /// <summary>A guest that stops on its own is reported to the owner (a destroy we asked for is reported too; the owner ignores it).</summary>
    public void WatchExit(IGuest guest) =>
        guest.Exited.ContinueWith(static (done, report) => ((Action<GuestExit>)report!)(done.Result), exited,
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    private void Phase(BootRoute route, SummonPhase phase, TimeSpan elapsed, BootAttempt attempt)
    {
        if (route.Summon is not { } kind) return;
        engine.Observer.PhaseCompleted(service, kind, phase, elapsed);
        log.LogInformation("{Service}: {Phase} took {Ms:F1} ms (summon at {Total:F1} ms)", service, phase.ToString().ToLowerInvariant(), elapsed.TotalMilliseconds, attempt.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// libvirt 9.0's destroy waits a fixed ~200 ms: it never runs on an answer's path. The guest
    /// keeps its share of the caps (and its address) until it is really gone.
    /// </summary>
    /// <param name="spec">What the guest was made from: its share of the caps goes back by it.</param>
    /// <param name="guest">The guest to destroy; null when its create failed (the driver left nothing) or was abandoned (<paramref name="pendingCreate"/>).</param>
    public Task DestroyInBackground(ServiceSpec spec, string guestName, GuestNetwork network, IGuest? guest, ReapReason? reason, Task<IGuest>? pendingCreate = null)
    {
        Task destroy = Task.Run(async () =>
        {
            if (pendingCreate is not null)
            {
                try { guest = await pendingCreate.ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OutOfMemoryException) { log.LogDebug("{Service}: abandoned create of {Guest} failed: {Message}", service, guestName, ex.Message); }
                log.LogInformation("{Service}: abandoned create of {Guest} returned; destroying it", service, guestName);
            }
            long started = engine.Options.Time.GetTimestamp();
            if (guest is not null) await DestroyAsync(guest).ConfigureAwait(false);
            engine.Capacity.Release(spec, guestName, network);
            if (reason is not { } why) return;
            log.LogInformation("{Service}: reaped {Guest} ({Reason}) in {Ms:F1} ms", service, guestName, why.Describe(), engine.Options.Time.GetElapsedTime(started).TotalMilliseconds);
        });
        lock (_destroys)
        {
            _destroys.RemoveAll(t => t.IsCompleted);
            _destroys.Add(destroy);
        }
        return destroy;
    }

    /// <summary>Background destroys not finished yet (shutdown waits for them).</summary>
    public Task DestroysInFlight { get { lock (_destroys) return Task.WhenAll(_destroys); } }

    /// <summary>Destroys a guest now, logging (not throwing) a failure.</summary>
    public async Task DestroyAsync(IGuest guest)
    {
        try
        {
            await guest.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.LogWarning("{Service}: destroying {Guest} failed: {Message}", service, guest.Name, ex.Message);
        }
    }
}

/// <summary>A create abandoned at the boot deadline; <see cref="Create"/> is the call still running.</summary>
internal sealed class CreateAbandonedException(Task<IGuest> create, CancellationToken token) : OperationCanceledException("the create was abandoned at the boot deadline", token)
{
    public Task<IGuest> Create { get; } = create;
}

/// <summary>
/// What a <see cref="ServiceOwner"/> uses of the engine around it: the ports, the options, the
/// observer and the room under the caps (<see cref="ICapacity"/>), never the engine itself.
/// </summary>
/// <param name="PendingSpecApplied">Called (on a thread-pool thread) when a reloaded spec took over.</param>
/// <param name="Stopping">Cancelled when the engine shuts down.</param>
internal sealed record EngineParts(IGuestDriver Driver, INetworkPlan Network, EngineOptions Options, ISummonObserver Observer, ICapacity Capacity, Action PendingSpecApplied, CancellationToken Stopping)
{
    public bool IsStopping => Stopping.IsCancellationRequested;

    public DateTime UtcNow => Options.Time.GetUtcNow().UtcDateTime;
}
