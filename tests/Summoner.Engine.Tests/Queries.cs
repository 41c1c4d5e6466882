namespace Summoner.Engine.Tests;

internal static class Queries
{
    /// <summary>
    /// Summons <paramref name="service"/> the way the daemon's DNS answer source does (find it, then
    /// <see cref="ServiceOwner.SummonAsync"/>); <paramref name="within"/> only bounds the test's wait,
    /// so a summon that hangs fails the test with a <see cref="TimeoutException"/> instead of hanging it.
    /// </summary>
    public static Task<SummonOutcome> QueryAsync(this SummonEngine engine, string service, TimeSpan within) =>
        (engine.Find(service) ?? throw new ArgumentException($"no service named '{service}'", nameof(service)))
            .SummonAsync(SummonTrigger.Dns, client: null).WaitAsync(within);
}
