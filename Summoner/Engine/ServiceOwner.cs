using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Summoner.Engine;

/// <summary>
/// The single owner of one service's state machine (cold → booting → ready → reaping → cold,
/// and failed with back-off). Every transition happens under <see cref="_gate"/>; boots are
/// single-flight: queries that arrive while a boot runs await the same task.
/// </summary>
public sealed class ServiceOwner
{
    private readonly object _gate = new();
    private readonly SummonEngine _engine;
    private readonly ILogger _log;
    private Task<SummonOutcome>? _boot;
    private Task? _reap;
    private int _bootSequence;
    private int _consecutiveFailures;
    private DateTime _backoffUntil;

    internal ServiceOwner(ServiceSpec spec, SummonEngine engine, ILogger log)
    {
        Spec = spec;
        _engine = engine;
        _log = log;
    }

    public ServiceSpec Spec { get; }

    public SummonState State { get; private set; } = SummonState.Cold;

    public string? GuestName { get; private set; }

    public GuestNetwork? Network { get; private set; }

    public DateTime? ReadySinceUtc { get; private set; }

    public DateTime LastQueryUtc { get; private set; }

    public DateTime LastTrafficUtc { get; private set; }

    public TimeSpan? LastSummon { get; private set; }

    internal long LastCounterTotal { get; set; } = -1;

    public string ConsolePath => GuestName is null ? "" : _engine.ConsolePathFor(GuestName);

    /// <summary>Returns the service address, booting a guest if none runs.</summary>
    public Task<SummonOutcome> SummonAsync()
    {
        lock (_gate)
        {
            LastQueryUtc = DateTime.UtcNow;
            switch (State)
            {
                case SummonState.Ready:
                    return Task.FromResult(new SummonOutcome(Network!.ServiceAddress, SummonFailure.None, null));
                case SummonState.Booting:
                    return _boot!;
                case SummonState.Failed when DateTime.UtcNow < _backoffUntil:
                    return Task.FromResult(SummonOutcome.Fail(SummonFailure.Backoff, $"{Spec.Name} failed {_consecutiveFailures} time(s); retrying after {_backoffUntil:HH:mm:ss.fff}"));
                case SummonState.Reaping:
                    // The guest is going away; boot a fresh one once it is gone.
                    Task reap = _reap ?? Task.CompletedTask;
                    _boot = reap.ContinueWith(_ => SummonAsync(), TaskScheduler.Default).Unwrap();
                    return _boot;
                default:
                    if (_engine.IsStopping) return Task.FromResult(SummonOutcome.Fail(SummonFailure.Stopping, "summoner is shutting down"));
                    Transition(SummonState.Booting);
                    _boot = Task.Run(BootAsync);
                    return _boot;
            }
        }
    }

    private async Task<SummonOutcome> BootAsync()
    {
        var total = Stopwatch.StartNew();
        string? capRefusal = _engine.TryReserve(Spec);
        if (capRefusal is not null)
        {
            _engine.Observer.CapRefused(Spec.Name, capRefusal);
            var refused = SummonOutcome.Fail(SummonFailure.Cap, $"over the {capRefusal} cap");
            lock (_gate) Transition(SummonState.Cold);
            _engine.Observer.SummonFinished(Spec.Name, refused, total.Elapsed);
            return refused;
        }

        string guestName = $"{_engine.Options.GuestNamePrefix}{Spec.Name}-{Interlocked.Increment(ref _bootSequence)}";
        GuestNetwork network = _engine.Network.Allocate(Spec, guestName);
        string consolePath = _engine.ConsolePathFor(guestName);
        lock (_gate) { GuestName = guestName; Network = network; }
        using var deadline = new CancellationTokenSource(Spec.BootDeadline);
        using var console = new ConsoleTail(consolePath);
        bool created = false;
        try
        {
            File.Delete(consolePath);
            string cmdline = _engine.Network.GuestCommandLine(network, Spec);
            if (Spec.ExtraCommandLine.Length > 0) cmdline += " " + Spec.ExtraCommandLine;
            var launch = new GuestLaunch(guestName, Spec.ImagePath, cmdline, Spec.MemoryMiB, Spec.VirtualCpus, consolePath, network);

            var phase = Stopwatch.StartNew();
            await _engine.Driver.CreateAsync(launch, deadline.Token).ConfigureAwait(false);
            created = true;
            _engine.GuestStarted(this, guestName);
            Phase(SummonPhase.Create, phase.Elapsed, total.Elapsed);

            phase.Restart();
            await ReadinessProbe.WaitForConsoleAsync(console, Spec.Ports, deadline.Token).ConfigureAwait(false);
            Phase(SummonPhase.Boot, phase.Elapsed, total.Elapsed);

            phase.Restart();
            await ReadinessProbe.WaitForTcpAsync(network.ServiceAddress, Spec.Ports, deadline.Token).ConfigureAwait(false);
            Phase(SummonPhase.Ready, phase.Elapsed, total.Elapsed);

            var outcome = new SummonOutcome(network.ServiceAddress, SummonFailure.None, null);
            lock (_gate)
            {
                if (State != SummonState.Booting || GuestName != guestName)
                    return SummonOutcome.Fail(SummonFailure.BootFailed, $"{guestName} stopped while booting");
                ReadySinceUtc = DateTime.UtcNow;
                LastTrafficUtc = DateTime.UtcNow;
                LastCounterTotal = -1;
                LastSummon = total.Elapsed;
                _consecutiveFailures = 0;
                Transition(SummonState.Ready);
            }
            _log.LogInformation("{Service}: ready at {Address} in {Ms:F1} ms ({Guest})", Spec.Name, network.ServiceAddress, total.Elapsed.TotalMilliseconds, guestName);
            _engine.Observer.SummonFinished(Spec.Name, outcome, total.Elapsed);
            return outcome;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            console.Poll();
            bool timedOut = ex is OperationCanceledException;
            string detail = timedOut ? $"not ready within {Spec.BootDeadline.TotalSeconds:0.###} s" : ex.Message;
            _log.LogWarning("{Service}: boot of {Guest} failed after {Ms:F1} ms: {Detail}\n--- last console lines ---\n{Console}",
                Spec.Name, guestName, total.Elapsed.TotalMilliseconds, detail, console.LastLines(20));
            if (created) await DestroyQuietlyAsync(guestName).ConfigureAwait(false);
            _engine.Release(this, Spec, guestName, network);
            var failed = SummonOutcome.Fail(timedOut ? SummonFailure.Deadline : SummonFailure.BootFailed, detail);
            lock (_gate)
            {
                if (GuestName == guestName) { GuestName = null; Network = null; }
                _consecutiveFailures++;
                _backoffUntil = DateTime.UtcNow + _engine.Backoff(_consecutiveFailures);
                Transition(SummonState.Failed);
            }
            _engine.Observer.SummonFinished(Spec.Name, failed, total.Elapsed);
            return failed;
        }
    }

    private void Phase(SummonPhase phase, TimeSpan elapsed, TimeSpan total)
    {
        _engine.Observer.PhaseCompleted(Spec.Name, phase, elapsed);
        _log.LogInformation("{Service}: {Phase} done in {Ms:F1} ms (summon at {Total:F1} ms)", Spec.Name, phase.ToString().ToLowerInvariant(), elapsed.TotalMilliseconds, total.TotalMilliseconds);
    }

    /// <summary>Destroys the running guest (idle, stop command, shutdown). Safe to call in any state.</summary>
    public Task ReapAsync(string reason)
    {
        string guest;
        GuestNetwork? network;
        lock (_gate)
        {
            if (State == SummonState.Reaping) return _reap ?? Task.CompletedTask;
            if (State != SummonState.Ready || GuestName is null) return Task.CompletedTask;
            guest = GuestName;
            network = Network;
            Transition(SummonState.Reaping);
            _reap = ReapCoreAsync(guest, network!, reason);
            return _reap;
        }
    }

    private async Task ReapCoreAsync(string guest, GuestNetwork network, string reason)
    {
        var sw = Stopwatch.StartNew();
        await DestroyQuietlyAsync(guest).ConfigureAwait(false);
        _engine.Release(this, Spec, guest, network);
        lock (_gate)
        {
            if (GuestName == guest) { GuestName = null; Network = null; ReadySinceUtc = null; }
            if (State == SummonState.Reaping) Transition(SummonState.Cold);
        }
        _engine.Observer.Reaped(Spec.Name, reason);
        _log.LogInformation("{Service}: reaped {Guest} ({Reason}) in {Ms:F1} ms", Spec.Name, guest, reason, sw.Elapsed.TotalMilliseconds);
    }

    /// <summary>The hypervisor reports the guest gone without us asking: cold at once.</summary>
    internal void OnGuestExited(GuestExit exit)
    {
        GuestNetwork? network;
        lock (_gate)
        {
            if (GuestName != exit.GuestName) return;
            if (State == SummonState.Reaping) return; // our own destroy
            network = Network;
            GuestName = null;
            Network = null;
            ReadySinceUtc = null;
            bool wasReady = State == SummonState.Ready;
            _consecutiveFailures++;
            _backoffUntil = DateTime.UtcNow + _engine.Backoff(_consecutiveFailures);
            // A guest that ran fine and then died is cold (re-summon at once); crash loops back off.
            Transition(wasReady && _consecutiveFailures <= 1 ? SummonState.Cold : SummonState.Failed);
            if (wasReady && _consecutiveFailures <= 1) _consecutiveFailures = 1;
        }
        if (network is not null) _engine.Release(this, Spec, exit.GuestName, network);
        _engine.Observer.Crashed(Spec.Name, exit.Reason);
        _log.LogWarning("{Service}: guest {Guest} exited ({Reason}); marked {State}", Spec.Name, exit.GuestName, exit.Reason, State);
    }

    internal void NoteTraffic(long total)
    {
        lock (_gate)
        {
            if (total != LastCounterTotal)
            {
                if (LastCounterTotal >= 0) LastTrafficUtc = DateTime.UtcNow;
                LastCounterTotal = total;
            }
        }
    }

    /// <summary>True when a ready guest saw neither a query nor a byte for its idle timeout.</summary>
    internal bool IsIdle(DateTime nowUtc)
    {
        lock (_gate)
        {
            if (State != SummonState.Ready || ReadySinceUtc is null) return false;
            DateTime last = new[] { LastQueryUtc, LastTrafficUtc, ReadySinceUtc.Value }.Max();
            return nowUtc - last >= Spec.IdleTimeout;
        }
    }

    private async Task DestroyQuietlyAsync(string guest)
    {
        try
        {
            await _engine.Driver.DestroyAsync(guest, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log.LogWarning("{Service}: destroying {Guest} failed: {Message}", Spec.Name, guest, ex.Message);
        }
    }

    private void Transition(SummonState to)
    {
        SummonState from = State;
        if (from == to) return;
        State = to;
        _engine.Observer.StateChanged(Spec.Name, from, to);
    }
}
