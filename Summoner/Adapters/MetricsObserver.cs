using Summoner.Engine;
using Summoner.Metrics;

namespace Summoner.Adapters;

/// <summary>Turns the engine's events into Summoner's Prometheus metrics.</summary>
public sealed class MetricsObserver : ISummonObserver
{
    private readonly SummonerMetrics _metrics;
    private readonly Func<long> _guestMemoryBytes;

    public MetricsObserver(SummonerMetrics metrics, Func<long> guestMemoryBytes)
    {
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _guestMemoryBytes = guestMemoryBytes ?? throw new ArgumentNullException(nameof(guestMemoryBytes));
    }

    public void StateChanged(string service, SummonState before, SummonState after) { }

    public void PhaseCompleted(string service, SummonKind kind, SummonPhase phase, TimeSpan elapsed) =>
        _metrics.SummonPhaseSeconds.WithLabels(service, phase.ToString().ToLowerInvariant(), Label(kind)).Observe(elapsed);

    private static string Label(SummonKind kind) => kind switch { SummonKind.Warm => "warm", SummonKind.Prestart => "prestart", _ => "cold" };

    public void SummonFinished(string service, SummonKind kind, SummonOutcome outcome, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        string result = outcome.Failure switch
        {
            SummonFailure.None => "ready",
            SummonFailure.Deadline => "deadline",
            SummonFailure.Cap => "refused",
            SummonFailure.Backoff => "backoff",
            _ => "failed",
        };
        _metrics.Summons.WithLabels(service, result).Inc();
        if (outcome.Succeeded) _metrics.SummonPhaseSeconds.WithLabels(service, "total", Label(kind)).Observe(elapsed);
    }

    public void Reaped(string service, ReapReason reason) =>
        _metrics.Reaps.WithLabels(service, reason switch
        {
            ReapReason.Idle => "idle",
            ReapReason.Stopped => "stop",
            ReapReason.Shutdown => "shutdown",
            ReapReason.Removed => "removed",
            _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
        }).Inc();

    public void Crashed(string service, GuestExitReason reason) => _metrics.Crashes.WithLabels(service).Inc();

    public void CapWaited(string service, EngineCap cap) => _metrics.CapWaits.WithLabels(cap.ConfigKey()).Inc();

    public void CapRefused(string service, EngineCap cap) => _metrics.CapRefusals.WithLabels(cap.ConfigKey()).Inc();

    public void RunningGuestsChanged(int running)
    {
        _metrics.RunningGuests.Set(running);
        _metrics.GuestMemoryBytes.Set(_guestMemoryBytes());
    }

    public void SummonTriggered(string service, SummonTrigger trigger) =>
        _metrics.SummonsTriggered.WithLabels(service, trigger switch
        {
            SummonTrigger.Dns => "dns",
            SummonTrigger.Connect => "connect",
            SummonTrigger.Datagram => "datagram",
            _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, null),
        }).Inc();

    public void PoolChanged(string service, int ready) => _metrics.WarmPoolGuests.WithLabels(service).Set(ready);
}
