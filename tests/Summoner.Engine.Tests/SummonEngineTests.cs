using System.Net;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

[Trait("Category", "unit")]
[Trait("Category", "root")]
public sealed class SummonEngineTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("summoner-engine-").FullName;
    private static int s_nextAddress = 1;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private (SummonEngine Engine, ScriptedDriver Driver, ServiceSpec Spec) Create(TimeSpan? idle = null, TimeSpan? bootDeadline = null, int maxBoots = 4, int port = 18080, int warmPool = 0, TimeSpan? answerTtl = null, TimeSpan? capWait = null)
    {
        // Each test gets its own 127.78.x.y address so parallel tests never share a listener.
        int n = Interlocked.Increment(ref s_nextAddress);
        var first = IPAddress.Parse($"127.78.{n / 60}.{n % 60 * 4 + 1}");
        var spec = new ServiceSpec("hello", ["hello.example.test"], "/nonexistent.elf", [port], 32, 1, "",
            idle ?? TimeSpan.FromMinutes(5), bootDeadline ?? TimeSpan.FromSeconds(10), warmPool);
        var driver = new ScriptedDriver();
        var other = spec with { Name = "other", DnsNames = ["other.example.test"], WarmPool = 0 };
        var engine = new SummonEngine([spec, other], driver, new LoopbackNetworkPlan(first, 4),
            new EngineOptions { StateDirectory = _state, MaxConcurrentBoots = maxBoots, ReapInterval = TimeSpan.FromMilliseconds(50), CrashBackoffBase = TimeSpan.FromMilliseconds(100), AnswerTtl = answerTtl ?? TimeSpan.Zero, CapWait = capWait ?? TimeSpan.Zero, WaitingSummons = 4 });
        return (engine, driver, spec);
    }

    [Fact]
    public async Task Two_hundred_concurrent_summons_share_one_boot_and_one_address()
    {
        var (engine, driver, _) = Create();
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        var summons = Enumerable.Range(0, 200).Select(_ => engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).ToArray();
        SummonOutcome[] outcomes = await Task.WhenAll(summons);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Detail));
        Assert.Single(outcomes.Select(o => o.Address).Distinct());
        Assert.Equal(1, driver.Creates);
        Assert.Equal(SummonState.Ready, engine.Find("hello")!.State);
    }

    [Fact]
    public async Task An_idle_guest_is_reaped_and_the_next_query_summons_again()
    {
        var (engine, driver, _) = Create(idle: TimeSpan.FromMilliseconds(300));
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        var owner = engine.Find("hello")!;
        await WaitUntil(() => owner.State == SummonState.Cold, TimeSpan.FromSeconds(10));
        await WaitUntil(() => driver.Destroys == 1, TimeSpan.FromSeconds(10)); // destroys run in the background
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        Assert.Equal(2, driver.Creates);
    }

    [Fact]
    public async Task A_guest_outlives_its_idle_timeout_while_its_answer_is_within_the_ttl()
    {
        // Idle 100 ms, TTL 1.5 s: a client may still connect with the answer, so no reap before
        // the TTL ran out. A loaded machine only makes the reap later, never earlier.
        var (engine, driver, _) = Create(idle: TimeSpan.FromMilliseconds(100), answerTtl: TimeSpan.FromMilliseconds(1500));
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        var answered = System.Diagnostics.Stopwatch.StartNew();
        var owner = engine.Find("hello")!;
        await Task.Delay(800);
        Assert.Equal(SummonState.Ready, owner.State);
        Assert.Equal(0, driver.Destroys);
        // A second answer at ~0.8 s extends the hold to ~2.3 s after the first.
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        await WaitUntil(() => owner.State != SummonState.Ready, TimeSpan.FromSeconds(10));
        Assert.True(answered.Elapsed >= TimeSpan.FromMilliseconds(2250), $"reaped {answered.Elapsed.TotalMilliseconds:F0} ms after the first answer, inside the second answer's TTL");
        await WaitUntil(() => owner.State == SummonState.Cold, TimeSpan.FromSeconds(10));
        await WaitUntil(() => driver.Destroys == 1, TimeSpan.FromSeconds(10)); // destroys run in the background
    }

    [Fact]
    public async Task Traffic_keeps_a_guest_alive_past_its_idle_timeout()
    {
        // Margins are wide (traffic every 100 ms against a 1.5 s timeout) so a loaded machine's
        // late timers cannot look like idleness.
        var (engine, driver, _) = Create(idle: TimeSpan.FromMilliseconds(1500));
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        var owner = engine.Find("hello")!;
        var busyUntil = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (DateTime.UtcNow < busyUntil)
        {
            Interlocked.Add(ref driver.Counter, 100);
            await Task.Delay(100);
        }
        Assert.Equal(SummonState.Ready, owner.State);
        await WaitUntil(() => owner.State == SummonState.Cold, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_crashed_guest_is_never_named_again_and_the_next_query_summons_a_new_one()
    {
        var (engine, driver, _) = Create();
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        var owner = engine.Find("hello")!;
        string crashed = owner.GuestName!;
        driver.Crash(crashed);
        // The exit is reported off the driver's thread; a query asks the guest itself first
        // (IGuest.HasExited), so even one that comes before the report never names the dead guest.
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        Assert.Equal(2, driver.Creates);
        Assert.NotEqual(crashed, owner.GuestName);
    }

    [Fact]
    public async Task A_port_that_accepts_without_the_guest_reporting_the_connection_is_not_ready()
    {
        // On QEMU user networking the forwarder accepts by itself: only the guest's own
        // "accepted" line proves its stack took the probe.
        var (engine, driver, _) = Create(bootDeadline: TimeSpan.FromMilliseconds(1500));
        await using var _e = engine;
        driver.SilentAccept = true;
        await engine.StartAsync(CancellationToken.None);
        SummonOutcome outcome = await engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        Assert.Equal(SummonFailure.Deadline, outcome.Failure);
        await WaitUntil(() => driver.Destroys == 1, TimeSpan.FromSeconds(10)); // destroys run in the background
    }

    [Fact]
    public async Task A_boot_that_never_gets_ready_fails_with_deadline_destroys_the_guest_and_backs_off()
    {
        var (engine, driver, _) = Create(bootDeadline: TimeSpan.FromMilliseconds(500));
        await using var _e = engine;
        driver.NeverReady = true;
        await engine.StartAsync(CancellationToken.None);
        SummonOutcome outcome = await engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        Assert.False(outcome.Succeeded);
        Assert.Equal(SummonFailure.Deadline, outcome.Failure);
        // Destroys run in the background; the guest leaves the count once its destroy returned,
        // a moment after the driver counted it.
        await WaitUntil(() => driver.Destroys == 1 && engine.RunningGuests == 0, TimeSpan.FromSeconds(10));
        Assert.Equal(SummonState.Failed, engine.Find("hello")!.State);
        Assert.Equal(1, driver.Destroys);
        SummonOutcome during = await engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        Assert.Equal(SummonFailure.Backoff, during.Failure);
    }

    [Fact]
    public async Task A_query_that_stops_waiting_before_the_boot_ends_leaves_the_boot_to_later_queries()
    {
        var (engine, driver, _) = Create();
        await using var _e = engine;
        driver.BootDelay = TimeSpan.FromMilliseconds(600);
        await engine.StartAsync(CancellationToken.None);
        // The DNS server answers SERVFAIL at its own deadline and drops its wait, as this one does.
        await Assert.ThrowsAsync<TimeoutException>(() => engine.QueryAsync("hello", TimeSpan.FromMilliseconds(100)));
        SummonOutcome later = await engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        Assert.True(later.Succeeded, later.Detail);
        Assert.Equal(1, driver.Creates);
    }

    [Fact]
    public async Task Over_the_concurrent_boot_cap_a_summon_is_refused()
    {
        var (engine, _, _) = Create(maxBoots: 0);
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        SummonOutcome outcome = await engine.QueryAsync("hello", TimeSpan.FromSeconds(5));
        Assert.Equal(SummonFailure.Cap, outcome.Failure);
        Assert.Equal(SummonState.Cold, engine.Find("hello")!.State);
    }

    [Fact]
    public async Task Disposing_the_engine_destroys_running_guests()
    {
        var (engine, driver, _) = Create();
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("hello", TimeSpan.FromSeconds(20))).Succeeded);
        await engine.DisposeAsync();
        Assert.Equal(1, driver.Destroys);
        Assert.Empty(await driver.ListGuestsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Disposing_the_engine_during_a_boot_still_destroys_that_guest()
    {
        var (engine, driver, _) = Create();
        driver.BootDelay = TimeSpan.FromMilliseconds(500);
        await engine.StartAsync(CancellationToken.None);
        Task<SummonOutcome> summon = engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        await WaitUntil(() => driver.Creates == 1, TimeSpan.FromSeconds(10));
        await engine.DisposeAsync();
        await summon;
        Assert.Equal(1, driver.Destroys);
        Assert.Empty(await driver.ListGuestsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Disposing_the_engine_while_a_pool_member_is_prepared_destroys_it()
    {
        var (engine, driver, _) = Create(warmPool: 1);
        driver.BootDelay = TimeSpan.FromMilliseconds(500);
        await engine.StartAsync(CancellationToken.None);
        await WaitUntil(() => driver.Creates == 1, TimeSpan.FromSeconds(10));
        await engine.DisposeAsync();
        Assert.Equal(1, driver.Destroys);
        Assert.Empty(await driver.ListGuestsAsync(CancellationToken.None));
        Assert.Equal(0, engine.RunningGuests);
    }

    [Fact]
    public async Task A_warm_pool_member_answers_the_first_query_and_is_replaced_in_the_background()
    {
        var (engine, driver, _) = Create(warmPool: 1);
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        var owner = engine.Find("hello")!;
        await WaitUntil(() => owner.PoolReady == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, driver.Creates);
        SummonOutcome outcome = await engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        Assert.True(outcome.Succeeded, outcome.Detail);
        Assert.True(owner.LastSummonWarm);
        await WaitUntil(() => owner.PoolReady == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(2, driver.Creates);
        Assert.Equal(2, engine.RunningGuests);
        // Pool members are separate boots with their own identity: distinct addresses and seeds.
        GuestLaunch[] launches = [.. driver.Launches];
        Assert.NotEqual(launches[0].Network.ServiceAddress, launches[1].Network.ServiceAddress);
        string Seed(GuestLaunch l) => l.CommandLine.Split(' ').Single(p => p.StartsWith("seed=", StringComparison.Ordinal));
        Assert.NotEqual(Seed(launches[0]), Seed(launches[1]));
        await engine.DisposeAsync();
        Assert.Equal(2, driver.Destroys);
    }

    [Fact]
    public async Task A_woken_pool_member_is_not_ready_on_the_lines_it_printed_before_it_was_suspended()
    {
        // After the resume only QEMU's forwarder answers (the guest reports nothing new): the old
        // ready and accepted lines in the console file must not make the wake look ready.
        var (engine, driver, _) = Create(warmPool: 1, bootDeadline: TimeSpan.FromMilliseconds(1500));
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        var owner = engine.Find("hello")!;
        await WaitUntil(() => owner.PoolReady == 1, TimeSpan.FromSeconds(10));
        driver.SilentAccept = true;
        SummonOutcome outcome = await engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        Assert.Equal(SummonFailure.Deadline, outcome.Failure);
        driver.SilentAccept = false;
        await WaitUntil(() => owner.PoolReady == 1, TimeSpan.FromSeconds(10));
        await Task.Delay(engine.Backoff(1));
        SummonOutcome second = await engine.QueryAsync("hello", TimeSpan.FromSeconds(20));
        Assert.True(second.Succeeded, second.Detail);
        Assert.True(owner.LastSummonWarm);
    }

    [Fact]
    public async Task A_refill_never_takes_room_a_waiting_summon_needs_and_freed_room_goes_to_the_waiter()
    {
        var small = new ServiceSpec("small", ["small.test"], "/x.elf", [80], 16, 1, "", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5));
        var big = small with { Name = "big", DnsNames = ["big.test"], MemoryMiB = 64 };
        var engine = new SummonEngine([small, big], new ScriptedDriver(), new LoopbackNetworkPlan(IPAddress.Parse("127.79.1.1"), 4),
            new EngineOptions { StateDirectory = _state, MaxTotalMemoryMiB = 64, WaitingSummons = 1, CapWait = TimeSpan.FromSeconds(20) });
        await using var _e = engine;
        Assert.Null(await engine.Capacity.ReserveAsync(small, forQuery: true));                 // 16 of 64 MiB
        Task<EngineCap?> bigWaits = engine.Capacity.ReserveAsync(big, forQuery: true);              // needs all 64: waits
        Assert.False(bigWaits.IsCompleted);
        Assert.Equal(1, engine.WaitingSummons);
        Assert.Equal(EngineCap.WaitingSummons, await engine.Capacity.ReserveAsync(small, forQuery: false)); // a refill would fit, but someone waits
        Assert.Equal(EngineCap.GuestMemory, await engine.Capacity.ReserveAsync(big, forQuery: true));  // the queue (1) is full: refused at once
        engine.Capacity.Unreserve(small);                                                        // room frees: the waiter gets it
        Assert.Null(await bigWaits);
        Assert.Equal(64, engine.GuestMemoryMiB);
        Assert.Equal(0, engine.WaitingSummons);
    }

    [Fact]
    public void Loopback_addresses_are_unique_per_guest_and_reused_after_release()
    {
        var spec = new ServiceSpec("s", ["s.test"], "x.elf", [80], 32, 1, "", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5));
        var plan = new LoopbackNetworkPlan(IPAddress.Parse("127.79.0.1"), 2);
        GuestNetwork a = plan.Allocate(spec, "g1"), b = plan.Allocate(spec, "g2");
        Assert.NotEqual(a.ServiceAddress, b.ServiceAddress);
        Assert.Throws<InvalidOperationException>(() => plan.Allocate(spec, "g3"));
        plan.Release(a);
        Assert.Equal(a.ServiceAddress, plan.Allocate(spec, "g4").ServiceAddress);
        Assert.Throws<ArgumentException>(() => new LoopbackNetworkPlan(IPAddress.Parse("10.0.0.1"), 4));
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in " + timeout);
            await Task.Delay(20);
        }
    }
}
