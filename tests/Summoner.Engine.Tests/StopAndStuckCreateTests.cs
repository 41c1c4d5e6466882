using System.Diagnostics;
using System.Net;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>`stop NAME` during a boot, and a create that blocks past the boot deadline.</summary>
[Trait("Category", "unit")]
public sealed class StopAndStuckCreateTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("summoner-stop-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private (SummonEngine Engine, ScriptedDriver Driver) Create(string address, TimeSpan bootDeadline)
    {
        var spec = new ServiceSpec("hello", ["hello.example.test"], "/nonexistent.elf", [18090], 32, 1, "", TimeSpan.FromMinutes(5), bootDeadline);
        var driver = new ScriptedDriver();
        var engine = new SummonEngine([spec], driver, new LoopbackNetworkPlan(IPAddress.Parse(address), 2),
            new EngineOptions { StateDirectory = _state, ReapInterval = TimeSpan.FromMilliseconds(50), CrashBackoffBase = TimeSpan.FromSeconds(30) });
        return (engine, driver);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout) throw new TimeoutException("condition not met");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Stop_during_a_boot_cancels_it_destroys_the_guest_and_leaves_the_service_cold_without_backoff()
    {
        var (engine, driver) = Create("127.79.1.1", TimeSpan.FromSeconds(30));
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        driver.NeverReady = true;
        Task<SummonOutcome> summon = engine.QueryAsync("hello", TimeSpan.FromSeconds(60));
        ServiceOwner owner = engine.Find("hello")!;
        await WaitUntil(() => driver.Creates == 1 && owner.GuestName is not null, TimeSpan.FromSeconds(10));
        var sw = Stopwatch.StartNew();
        await engine.StopServiceAsync("hello");
        SummonOutcome outcome = await summon.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(outcome.Succeeded);
        Assert.Equal("stopped by request", outcome.Detail);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"the stop took {sw.Elapsed}");
        await WaitUntil(() => driver.Destroys == 1 && engine.RunningGuests == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(SummonState.Cold, owner.State);

        // Not a crash: the next query boots at once (no back-off).
        driver.NeverReady = false;
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
    }

    [Fact]
    public async Task A_create_stuck_past_the_boot_deadline_is_abandoned_and_its_guest_destroyed_when_it_returns()
    {
        var (engine, driver) = Create("127.79.2.1", TimeSpan.FromMilliseconds(300));
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        driver.CreateDelay = TimeSpan.FromSeconds(2);
        var sw = Stopwatch.StartNew();
        SummonOutcome outcome = await engine.QueryAsync("hello", TimeSpan.FromSeconds(60));
        TimeSpan answered = sw.Elapsed;
        // Answered while the create was still blocked: what the deadline is for. (Not a wall-clock
        // bound: a loaded machine delays the answer's JIT and scheduling, never the create's return.)
        Assert.True(Volatile.Read(ref driver.CreatesReturned) == 0, $"answered after {answered}, only once the 2 s create had returned");
        Assert.Equal(SummonFailure.Deadline, outcome.Failure);
        Assert.Contains("abandoned", outcome.Detail, StringComparison.Ordinal);
        // Its share of the caps stays taken until the late guest is destroyed.
        Assert.Equal(1, engine.RunningGuests);
        Assert.Equal(0, driver.Destroys);
        // A destroy by name before the create returned would find no guest and do nothing, so a
        // destroy counted here is one made after the late guest appeared. (Not timed against the
        // stopwatch: Task.Delay's coarse timer may return a millisecond before 2 s by it.)
        await WaitUntil(() => driver.Destroys == 1 && engine.RunningGuests == 0, TimeSpan.FromSeconds(10));
        Assert.Equal(1, Volatile.Read(ref driver.CreatesReturned));
    }
}
