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
    void Reaped(string service, ReapReason reason);
    void Crashed(string service, GuestExitReason reason);
    /// <summary>A summon over <paramref name="cap"/> started waiting for room.</summary>
    void CapWaited(string service, EngineCap cap);
    void CapRefused(string service, EngineCap cap);
    void RunningGuestsChanged(int running);
    void PoolChanged(string service, int ready);
    /// <summary>A summon started a boot or a wake.</summary>
    void SummonTriggered(string service, SummonTrigger trigger) { }
}

/// <summary>What asked for a summon (the label of summoner_summons_triggered_total).</summary>
public enum SummonTrigger
{
    /// <summary>A DNS query for the service's name.</summary>
    Dns,

    /// <summary>A TCP connection to the service's address, held by the door.</summary>
    Connect,

    /// <summary>A UDP datagram to the service's address.</summary>
    Datagram,
}

/// <summary>Why the engine destroyed a running guest (the label of summoner_reaps_total).</summary>
public enum ReapReason
{
    /// <summary>No query and no traffic for its idle timeout.</summary>
    Idle,

    /// <summary>A stop command (the control endpoint).</summary>
    Stopped,

    /// <summary>The daemon is shutting down.</summary>
    Shutdown,

    /// <summary>Its service left the configuration, and the answers given before have expired.</summary>
    Removed,
}

/// <summary>A [limits] cap that held or refused a summon (the label of summoner_cap_*_total).</summary>
public enum EngineCap
{
    ConcurrentBoots,
    RunningGuests,
    GuestMemory,
    WaitingSummons,
}

/// <summary>How the engine's closed sets read in logs, messages and metric labels.</summary>
public static class EngineNames
{
    /// <summary>The cap's key in the [limits] section, which is also its metric label.</summary>
    public static string ConfigKey(this EngineCap cap) => cap switch
    {
        EngineCap.ConcurrentBoots => "concurrent_boots",
        EngineCap.RunningGuests => "running_guests",
        EngineCap.GuestMemory => "guest_memory",
        EngineCap.WaitingSummons => "waiting_summons",
        _ => throw new ArgumentOutOfRangeException(nameof(cap), cap, null),
    };

    /// <summary>What a log line says about the reap.</summary>
    public static string Describe(this ReapReason reason) => reason switch
    {
        ReapReason.Idle => "idle",
        ReapReason.Stopped => "stopped by request",
        ReapReason.Shutdown => "shutdown",
        ReapReason.Removed => "removed from the configuration",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>An observer that ignores everything (tests, tools).</summary>
public sealed class NullSummonObserver : ISummonObserver
{
    public static readonly NullSummonObserver Instance = new();
    public void StateChanged(string service, SummonState before, SummonState after) { }
    public void PhaseCompleted(string service, SummonKind kind, SummonPhase phase, TimeSpan elapsed) { }
    public void SummonFinished(string service, SummonKind kind, SummonOutcome outcome, TimeSpan elapsed) { }
    public void Reaped(string service, ReapReason reason) { }
    public void Crashed(string service, GuestExitReason reason) { }
    public void CapWaited(string service, EngineCap cap) { }
    public void CapRefused(string service, EngineCap cap) { }
    public void RunningGuestsChanged(int running) { }
    public void PoolChanged(string service, int ready) { }
}
