namespace Summoner.Engine;

/// <summary>How a summon got its guest: booted from nothing, resumed from a booted-and-suspended
/// pool member, or resumed from a member created paused before boot.</summary>
public enum SummonKind { Cold, Warm, Prestart }

/// <summary>Receives what the engine does, for metrics and logs. Calls come from any thread.</summary>
public interface ISummonObserver
{
    void StateChanged(string service, SummonState before, SummonState after);
    void PhaseCompleted(string service, SummonKind kind, SummonPhase phase, TimeSpan elapsed);
    void SummonFinished(string service, SummonKind kind, SummonOutcome outcome, TimeSpan elapsed);
    void Reaped(string service, string reason);
    void Crashed(string service, GuestExitReason reason);
    /// <summary>A summon over <paramref name="cap"/> started waiting for room.</summary>
    void CapWaited(string service, string cap);
    void CapRefused(string service, string cap);
    void RunningGuestsChanged(int running);
    void PoolChanged(string service, int ready);
    /// <summary>A summon started a boot or a wake; <paramref name="trigger"/> is a <see cref="SummonTrigger"/>.</summary>
    void SummonTriggered(string service, string trigger) { }
}

/// <summary>What asked for a summon (the label of summoner_summons_triggered_total).</summary>
public static class SummonTrigger
{
    public const string Dns = "dns";
    public const string Connect = "connect";
    public const string Datagram = "datagram";
}

/// <summary>An observer that ignores everything (tests, tools).</summary>
public sealed class NullSummonObserver : ISummonObserver
{
    public static readonly NullSummonObserver Instance = new();
    public void StateChanged(string service, SummonState before, SummonState after) { }
    public void PhaseCompleted(string service, SummonKind kind, SummonPhase phase, TimeSpan elapsed) { }
    public void SummonFinished(string service, SummonKind kind, SummonOutcome outcome, TimeSpan elapsed) { }
    public void Reaped(string service, string reason) { }
    public void Crashed(string service, GuestExitReason reason) { }
    public void CapWaited(string service, string cap) { }
    public void CapRefused(string service, string cap) { }
    public void RunningGuestsChanged(int running) { }
    public void PoolChanged(string service, int ready) { }
}
