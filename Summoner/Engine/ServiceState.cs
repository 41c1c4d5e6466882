namespace Summoner.Engine;

/// <summary>
/// Where one service's guest is in its life (<see cref="ServiceOwner"/> moves it). Each state
/// carries what exists only in it: a booting service has its attempt, a ready one its guest and
/// answer, a failed one its back-off. <see cref="Kind"/> is the public, metric-label view.
/// </summary>
internal abstract record ServiceState(SummonState Kind)
{
    /// <summary>No guest runs; the next query boots one.</summary>
    /// <param name="Failures">Boots failed in a row before it went cold: a stop or a refused boot
    /// does not end a crash loop, so the next failure still backs off longer.</param>
    public sealed record Cold(int Failures = 0) : ServiceState(SummonState.Cold)
    {
        public static readonly Cold Fresh = new();
    }

    /// <summary>A boot or a wake runs; every query for the service awaits <see cref="Done"/> (single-flight).</summary>
    /// <param name="Failures">Boots failed in a row before this one.</param>
    public sealed record Booting(BootAttempt Attempt, Task<SummonOutcome> Done, int Failures) : ServiceState(SummonState.Booting)
    {
        /// <summary>A stop came while it booted: its failure is not a crash, and the service goes cold.</summary>
        public bool StopRequested { get; init; }

        /// <summary>The guest exited on its own before it was ready.</summary>
        public bool GuestExited { get; init; }
    }

    /// <summary>The guest proved it listens; <see cref="Answer"/> is made once so hot queries allocate nothing.</summary>
    public sealed record Ready(IGuest Guest, DateTime SinceUtc, Task<SummonOutcome> Answer) : ServiceState(SummonState.Ready)
    {
        /// <summary>The last traffic seen outside the guest (the door) or in its counters.</summary>
        public DateTime LastTrafficUtc { get; init; }

        /// <summary>The guest's traffic counter at the last reaper pass; -1 before the first.</summary>
        public long LastCounterTotal { get; init; } = -1;

        public static Ready Of(IGuest guest, DateTime nowUtc) =>
            new(guest, nowUtc, Task.FromResult(new SummonOutcome(guest.Network.ServiceAddress, SummonFailure.None, null) { Network = guest.Network })) { LastTrafficUtc = nowUtc };
    }

    /// <summary>The last boots failed; summons are refused until <see cref="RetryAfterUtc"/>.</summary>
    public sealed record Failed(int Failures, DateTime RetryAfterUtc) : ServiceState(SummonState.Failed);
}
