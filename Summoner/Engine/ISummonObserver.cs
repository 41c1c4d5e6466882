namespace Summoner.Engine;

/// <summary>Receives what the engine does, for metrics and logs. Calls come from any thread.</summary>
public interface ISummonObserver
{
    void StateChanged(string service, SummonState before, SummonState after);
    void PhaseCompleted(string service, SummonPhase phase, TimeSpan elapsed);
    void SummonFinished(string service, SummonOutcome outcome, TimeSpan elapsed);
    void Reaped(string service, string reason);
    void Crashed(string service, GuestExitReason reason);
    void CapRefused(string service, string cap);
    void RunningGuestsChanged(int running);
    void PoolChanged(string service, int ready);
}

/// <summary>An observer that ignores everything (tests, tools).</summary>
public sealed class NullSummonObserver : ISummonObserver
{
    public static readonly NullSummonObserver Instance = new();
    public void StateChanged(string service, SummonState before, SummonState after) { }
    public void PhaseCompleted(string service, SummonPhase phase, TimeSpan elapsed) { }
    public void SummonFinished(string service, SummonOutcome outcome, TimeSpan elapsed) { }
    public void Reaped(string service, string reason) { }
    public void Crashed(string service, GuestExitReason reason) { }
    public void CapRefused(string service, string cap) { }
    public void RunningGuestsChanged(int running) { }
    public void PoolChanged(string service, int ready) { }
}
