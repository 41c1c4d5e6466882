namespace Summoner.Engine;

/// <summary>The life of one service's guest. One owner (<see cref="ServiceOwner"/>) moves it.</summary>
public enum SummonState
{
    /// <summary>No guest runs; the next query boots one.</summary>
    Cold,

    /// <summary>A guest is being created and has not yet proved it listens.</summary>
    Booting,

    /// <summary>The guest printed its readiness line and accepted a TCP connection.</summary>
    Ready,

    /// <summary>The guest is being destroyed (idle, stopped, or after a failure).</summary>
    Reaping,

    /// <summary>The last boots failed; new summons wait for the back-off to pass.</summary>
    Failed,
}
