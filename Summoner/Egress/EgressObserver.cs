using Summoner.Engine;

namespace Summoner.Egress;

/// <summary>
/// Passes everything on to the daemon's observer and tells the broker when a service's guest
/// became ready: the engine's ready transition is the one moment every kind of guest (booted,
/// resumed from the pool, taken back after a restart) goes through, so the broker needs no other hook.
/// </summary>
public sealed class EgressObserver(ISummonObserver inner) : ISummonObserver
{
    /// <summary>Set once the engine (which the broker needs) exists; transitions before that have no guest with egress to attach to.</summary>
    public EgressBroker? Broker { get => Volatile.Read(ref _broker); set => Volatile.Write(ref _broker, value); }

    private EgressBroker? _broker;

    public void StateChanged(string service, SummonState before, SummonState after)
    {
        inner.StateChanged(service, before, after);
        if (after == SummonState.Ready) Broker?.GuestReady(service);
    }

    public void PhaseCompleted(string service, SummonKind kind, SummonPhase phase, TimeSpan elapsed) => inner.PhaseCompleted(service, kind, phase, elapsed);
    public void SummonFinished(string service, SummonKind kind, SummonOutcome outcome, TimeSpan elapsed) => inner.SummonFinished(service, kind, outcome, elapsed);
    public void Reaped(string service, ReapReason reason) => inner.Reaped(service, reason);
    public void Crashed(string service, GuestExitReason reason) => inner.Crashed(service, reason);
    public void CapWaited(string service, EngineCap cap) => inner.CapWaited(service, cap);
    public void CapRefused(string service, EngineCap cap) => inner.CapRefused(service, cap);
    public void RunningGuestsChanged(int running) => inner.RunningGuestsChanged(running);
    public void PoolChanged(string service, int ready) => inner.PoolChanged(service, ready);
    public void SummonTriggered(string service, SummonTrigger trigger) => inner.SummonTriggered(service, trigger);
}
