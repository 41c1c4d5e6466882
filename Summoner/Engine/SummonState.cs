namespace Summoner.Engine;

/// <summary>
/// The life of one service's guest. One owner (<see cref="ServiceOwner"/>) moves it. A reaped
/// guest is destroyed in the background after the service is already cold again, so there is no
/// state in which a query waits for a destroy.
/// </summary>
public enum SummonState
{
    /// <summary>No guest runs; the next query boots one.</summary>
    Cold,

    /// <summary>A guest is being created and has not yet proved it listens.</summary>
    Booting,

    /// <summary>The guest printed its readiness line and accepted a TCP connection.</summary>
    Ready,

    /// <summary>The last boots failed; new summons wait for the back-off to pass.</summary>
    Failed,
}
