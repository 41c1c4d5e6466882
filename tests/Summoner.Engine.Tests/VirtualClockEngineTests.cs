using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>
/// The engine's timing rules on a virtual clock, in memory (<see cref="MemoryDriver"/>): boot
/// deadline, back-off, idle reap, answer TTL, the cap wait queue and the warm pool. Virtual time
/// moves only when a test advances it, so "not before" is exact whatever the machine's load;
/// "after" waits a bounded real time for the engine's continuations to run.
/// </summary>
[Trait("Category", "unit")]
public sealed class VirtualClockEngineTests
{
    private static readonly TimeSpan RealBound = TimeSpan.FromSeconds(20);

    private sealed class Setup(SummonEngine engine, MemoryDriver driver, FakeTimeProvider time, RecordingObserver observer) : IAsyncDisposable
    {
        public SummonEngine Engine { get; } = engine;
        public MemoryDriver Driver { get; } = driver;
        public FakeTimeProvider Time { get; } = time;
        public RecordingObserver Observer { get; } = observer;
        public ServiceOwner Owner(string name = "echo") => Engine.Find(name)!;
        public Task<SummonOutcome> Summon(string name = "echo") => Owner(name).SummonAsync(SummonTrigger.Dns, client: null);
        public ValueTask DisposeAsync() => Engine.DisposeAsync();
    }

    /// <summary>UDP-only services (readiness is a console line, no TCP probe), all on one memory driver.</summary>
    private static Setup Create(
        TimeSpan? idle = null, TimeSpan? bootDeadline = null, int warmPool = 0, PoolMode poolMode = PoolMode.Booted,
        TimeSpan? answerTtl = null, TimeSpan? reapInterval = null, int maxBoots = 4, TimeSpan? capWait = null, int waitingSummons = 4,
        string? instanceId = null, string[]? services = null)
    {
        var time = new FakeTimeProvider();
        var driver = new MemoryDriver(time);
        var observer = new RecordingObserver();
        var specs = (services ?? ["echo"]).Select(name => new ServiceSpec(name, [name + ".test"], "/nonexistent.elf", [], 32, 1, "",
            idle ?? TimeSpan.FromMinutes(5), bootDeadline ?? TimeSpan.FromSeconds(30), name == "echo" ? warmPool : 0, poolMode) { UdpPorts = [5353] }).ToList();
        var engine = new SummonEngine(specs, driver, new LoopbackNetworkPlan(IPAddress.Parse("127.80.0.1"), 16),
            new EngineOptions
            {
                StateDirectory = "/nonexistent",
                Time = time,
                // Long by default: most tests run reaper passes themselves, so each pass happens at a known virtual time.
                ReapInterval = reapInterval ?? TimeSpan.FromDays(1),
                AnswerTtl = answerTtl ?? TimeSpan.Zero,
                MaxConcurrentBoots = maxBoots,
                CapWait = capWait ?? TimeSpan.Zero,
                WaitingSummons = waitingSummons,
                InstanceId = instanceId,
            }, observer);
        observer.Engine = engine;
        return new Setup(engine, driver, time, observer);
    }

    [Fact]
    public async Task A_cold_boot_answers_when_the_guest_reports_ready_and_not_before()
    {
        await using Setup s = Create();
        s.Driver.BootTime = TimeSpan.FromSeconds(2);
        await s.Engine.StartAsync(CancellationToken.None);
        Task<SummonOutcome> summon = s.Summon();
        await Eventually(() => s.Driver.Creates == 1);
        s.Time.Advance(TimeSpan.FromMilliseconds(1999));
        await AssertStillPending(summon);
        s.Time.Advance(TimeSpan.FromMilliseconds(1));
        SummonOutcome outcome = await summon.WaitAsync(RealBound);
        Assert.True(outcome.Succeeded, outcome.Detail);
        Assert.Equal(SummonState.Ready, s.Owner().State);
        // Measured on the engine's clock: exactly the guest's boot.
        Assert.Equal(TimeSpan.FromSeconds(2), s.Owner().LastSummon);
        Assert.False(s.Owner().LastSummonWarm);
    }

    [Fact]
    public async Task A_boot_not_ready_by_its_deadline_fails_at_the_deadline_destroys_the_guest_and_backs_off()
    {
        await using Setup s = Create(bootDeadline: TimeSpan.FromSeconds(30));
        s.Driver.NeverReady = true;
        await s.Engine.StartAsync(CancellationToken.None);
        Task<SummonOutcome> summon = s.Summon();
        await Eventually(() => s.Driver.Creates == 1);
        s.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
        await AssertStillPending(summon);
        s.Time.Advance(TimeSpan.FromMilliseconds(1));
        SummonOutcome outcome = await summon.WaitAsync(RealBound);
        Assert.Equal(SummonFailure.Deadline, outcome.Failure);
        Assert.Equal("not ready within 30 s", outcome.Detail);
        Assert.Equal(SummonState.Failed, s.Owner().State);
        await Eventually(() => s.Driver.Destroys == 1 && s.Engine.RunningGuests == 0);

        // Back-off: refused until the first back-off step has passed on the clock, then it boots again.
        TimeSpan backoff = s.Engine.Options.Backoff(1);
        Assert.Equal(SummonFailure.Backoff, (await s.Summon().WaitAsync(RealBound)).Failure);
        s.Time.Advance(backoff - TimeSpan.FromMilliseconds(1));
        Assert.Equal(SummonFailure.Backoff, (await s.Summon().WaitAsync(RealBound)).Failure);
        s.Time.Advance(TimeSpan.FromMilliseconds(1));
        s.Driver.NeverReady = false;
        s.Driver.BootTime = TimeSpan.Zero;
        SummonOutcome retried = await s.Summon().WaitAsync(RealBound);
        Assert.True(retried.Succeeded, retried.Detail);
        Assert.Equal(2, s.Driver.Creates);
    }

    [Fact]
    public async Task An_idle_guest_is_reaped_once_its_idle_timeout_passed_and_queries_and_traffic_restart_the_timeout()
    {
        await using Setup s = Create(idle: TimeSpan.FromMinutes(5));
        s.Driver.BootTime = TimeSpan.Zero;
        await s.Engine.StartAsync(CancellationToken.None);
        Assert.True((await s.Summon().WaitAsync(RealBound)).Succeeded);
        ServiceOwner owner = s.Owner();
        TimeSpan justUnder = TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1);

        s.Time.Advance(justUnder);
        await s.Engine.ReapIdleOnceAsync(CancellationToken.None);
        Assert.Equal(SummonState.Ready, owner.State);

        // A query (answered from the ready state) starts the idle time again.
        Assert.True((await s.Summon().WaitAsync(RealBound)).Succeeded);
        s.Time.Advance(justUnder);
        await s.Engine.ReapIdleOnceAsync(CancellationToken.None);
        Assert.Equal(SummonState.Ready, owner.State);

        // So does traffic the door saw.
        owner.NoteActivity();
        s.Time.Advance(justUnder);
        await s.Engine.ReapIdleOnceAsync(CancellationToken.None);
        Assert.Equal(SummonState.Ready, owner.State);
        Assert.Equal(0, s.Driver.Destroys);

        s.Time.Advance(TimeSpan.FromSeconds(1));
        await s.Engine.ReapIdleOnceAsync(CancellationToken.None);
        Assert.Equal(SummonState.Cold, owner.State);
        await Eventually(() => s.Driver.Destroys == 1 && s.Engine.RunningGuests == 0);
        Assert.Contains(ReapReason.Idle, s.Observer.Reaps);

        Assert.True((await s.Summon().WaitAsync(RealBound)).Succeeded);
        Assert.Equal(2, s.Driver.Creates);
    }

    [Fact]
    public async Task A_guest_is_kept_while_its_last_answer_is_within_the_ttl_even_past_its_idle_timeout()
    {
        await using Setup s = Create(idle: TimeSpan.FromMinutes(1), answerTtl: TimeSpan.FromMinutes(5));
        s.Driver.BootTime = TimeSpan.Zero;
        await s.Engine.StartAsync(CancellationToken.None);
        Assert.True((await s.Summon().WaitAsync(RealBound)).Succeeded);
        s.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        await s.Engine.ReapIdleOnceAsync(CancellationToken.None);
        Assert.Equal(SummonState.Ready, s.Owner().State);
        s.Time.Advance(TimeSpan.FromSeconds(1));
        await s.Engine.ReapIdleOnceAsync(CancellationToken.None);
        Assert.Equal(SummonState.Cold, s.Owner().State);
    }

    [Fact]
    public async Task The_reaper_loop_runs_on_the_engine_clock()
    {
        await using Setup s = Create(idle: TimeSpan.FromMinutes(1), reapInterval: TimeSpan.FromSeconds(10));
        s.Driver.BootTime = TimeSpan.Zero;
        await s.Engine.StartAsync(CancellationToken.None);
        Assert.True((await s.Summon().WaitAsync(RealBound)).Succeeded);
        TimeSpan advanced = await AdvanceUntil(s.Time, () => s.Owner().State == SummonState.Cold, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));
        Assert.True(advanced >= TimeSpan.FromMinutes(1), $"reaped {advanced} after the answer, inside the 1 min idle timeout");
        await Eventually(() => s.Driver.Destroys == 1);
    }

    [Fact]
    public async Task A_summon_over_the_boot_cap_waits_in_the_queue_and_gets_the_slot_when_a_boot_ends()
    {
        await using Setup s = Create(maxBoots: 1, capWait: TimeSpan.FromSeconds(5), waitingSummons: 1, services: ["echo", "b", "c"]);
        s.Driver.BootTime = TimeSpan.FromSeconds(3);
        await s.Engine.StartAsync(CancellationToken.None);
        Task<SummonOutcome> first = s.Summon("echo");
        await Eventually(() => s.Driver.Creates == 1);
        Task<SummonOutcome> waiting = s.Summon("b");
        await Eventually(() => s.Engine.WaitingSummons == 1);
        // The queue holds one: a third summon over the cap is refused at once.
        SummonOutcome refused = await s.Summon("c").WaitAsync(RealBound);
        Assert.Equal(SummonFailure.Cap, refused.Failure);
        Assert.Contains("concurrent_boots", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(new[] { EngineCap.ConcurrentBoots }, s.Observer.CapWaits);

        s.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.True((await first.WaitAsync(RealBound)).Succeeded);
        // The freed boot slot went to the waiter, which boots from now.
        await Eventually(() => s.Driver.Creates == 2);
        Assert.Equal(0, s.Engine.WaitingSummons);
        s.Time.Advance(TimeSpan.FromSeconds(3));
        SummonOutcome granted = await waiting.WaitAsync(RealBound);
        Assert.True(granted.Succeeded, granted.Detail);
        Assert.Equal(TimeSpan.FromSeconds(6), s.Owner("b").LastSummon);
    }

    [Fact]
    public async Task A_summon_waits_for_room_at_most_cap_wait_then_is_refused()
    {
        // Virtual waits longer than RealBound: a wait timed on real time instead fails the test.
        await using Setup s = Create(maxBoots: 1, capWait: TimeSpan.FromMinutes(1), bootDeadline: TimeSpan.FromMinutes(10), services: ["echo", "b"]);
        s.Driver.NeverReady = true;
        await s.Engine.StartAsync(CancellationToken.None);
        _ = s.Summon("echo");
        await Eventually(() => s.Driver.Creates == 1);
        Task<SummonOutcome> waiting = s.Summon("b");
        // Reported once the wait's clock runs.
        await Eventually(() => !s.Observer.CapWaits.IsEmpty);
        Assert.Equal(1, s.Engine.WaitingSummons);
        s.Time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(1));
        await AssertStillPending(waiting);
        s.Time.Advance(TimeSpan.FromMilliseconds(1));
        SummonOutcome outcome = await waiting.WaitAsync(RealBound);
        Assert.Equal(SummonFailure.Cap, outcome.Failure);
        Assert.Equal("over the concurrent_boots cap for 60000 ms", outcome.Detail);
        Assert.Equal(0, s.Engine.WaitingSummons);
        Assert.Equal(SummonState.Cold, s.Owner("b").State);
        Assert.Equal(1, s.Driver.Creates);
        // The first boot never gets ready and its deadline is far off on the clock: stop it.
        await s.Engine.StopServiceAsync("echo").WaitAsync(RealBound);
    }

    [Fact]
    public async Task A_booted_pool_member_answers_a_summon_at_once_and_the_pool_is_refilled()
    {
        await using Setup s = Create(warmPool: 1, poolMode: PoolMode.Booted);
        s.Driver.BootTime = TimeSpan.FromSeconds(2);
        await s.Engine.StartAsync(CancellationToken.None);
        ServiceOwner owner = s.Owner();
        await Eventually(() => s.Driver.Creates == 1);
        Assert.Equal(0, owner.PoolReady);
        s.Time.Advance(TimeSpan.FromSeconds(2));
        await Eventually(() => owner.PoolReady == 1);

        // The wake resumes the member: no boot, no virtual time.
        SummonOutcome outcome = await s.Summon().WaitAsync(RealBound);
        Assert.True(outcome.Succeeded, outcome.Detail);
        Assert.True(owner.LastSummonWarm);
        Assert.Equal(TimeSpan.Zero, owner.LastSummon);
        Assert.Equal(1, s.Driver.Resumes);

        // A replacement is prepared in the background, on the clock like any boot.
        await Eventually(() => s.Driver.Creates == 2);
        Assert.Equal(0, owner.PoolReady);
        s.Time.Advance(TimeSpan.FromSeconds(2));
        await Eventually(() => owner.PoolReady == 1);
        Assert.Equal(2, s.Engine.RunningGuests);

        // A member that dies is replaced too.
        string member = s.Driver.Launches.Last().GuestName;
        s.Driver.Crash(member);
        await Eventually(() => owner.PoolReady == 0 && s.Driver.Creates == 3);
        s.Time.Advance(TimeSpan.FromSeconds(2));
        await Eventually(() => owner.PoolReady == 1);
        Assert.Equal(2, s.Engine.RunningGuests);
    }

    [Fact]
    public async Task A_member_created_paused_boots_after_its_wake()
    {
        await using Setup s = Create(warmPool: 1, poolMode: PoolMode.Created);
        s.Driver.BootTime = TimeSpan.FromSeconds(2);
        await s.Engine.StartAsync(CancellationToken.None);
        ServiceOwner owner = s.Owner();
        // Created paused: in the pool without booting.
        await Eventually(() => owner.PoolReady == 1);
        Task<SummonOutcome> summon = s.Summon();
        await Eventually(() => s.Driver.Resumes == 1);
        s.Time.Advance(TimeSpan.FromMilliseconds(1999));
        await AssertStillPending(summon);
        s.Time.Advance(TimeSpan.FromMilliseconds(1));
        SummonOutcome outcome = await summon.WaitAsync(RealBound);
        Assert.True(outcome.Succeeded, outcome.Detail);
        Assert.True(owner.LastSummonWarm);
        Assert.Equal(TimeSpan.FromSeconds(2), owner.LastSummon);
        await Eventually(() => owner.PoolReady == 1 && s.Driver.Creates == 2);
    }

    [Fact]
    public async Task Every_ready_guest_booted_woken_or_taken_back_is_reported_ready_with_its_name_and_address_in_place()
    {
        // The egress broker attaches on StateChanged → Ready and reads the guest's name and address then.
        await using Setup s = Create(warmPool: 1, instanceId: "test-instance", services: ["echo", "cold", "kept"]);
        s.Driver.BootTime = TimeSpan.Zero;
        ServiceSpec kept = s.Owner("kept").Spec;
        var leftover = new LoopbackNetwork(IPAddress.Parse("127.80.0.9"), []) { UdpPorts = [5353] };
        s.Driver.Leftovers.Add(new RunningGuest("summoner-kept-7", new GuestOwnership("test-instance", "kept", kept.Fingerprint()), leftover, Paused: false));
        await s.Engine.StartAsync(CancellationToken.None);
        Assert.Equal(SummonState.Ready, s.Owner("kept").State);
        await Eventually(() => s.Owner("echo").PoolReady == 1);
        Assert.True((await s.Summon("echo").WaitAsync(RealBound)).Succeeded);
        Assert.True((await s.Summon("cold").WaitAsync(RealBound)).Succeeded);
        Assert.True(s.Owner("echo").LastSummonWarm);

        Assert.Equal(new[] { "cold", "echo", "kept" }, s.Observer.ReadyWith.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("summoner-kept-7", IPAddress.Parse("127.80.0.9")), s.Observer.ReadyWith["kept"]);
        Assert.Equal(s.Owner("echo").GuestName, s.Observer.ReadyWith["echo"].Guest);
        Assert.Equal(s.Owner("cold").Network!.ServiceAddress, s.Observer.ReadyWith["cold"].Address);
    }

    /// <summary>Checks that <paramref name="task"/> has not completed, giving the engine a little real time to complete it wrongly.</summary>
    private static async Task AssertStillPending(Task task)
    {
        await Task.Delay(100);
        Assert.False(task.IsCompleted, "completed before its time on the virtual clock");
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + RealBound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within " + RealBound);
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Advances the clock by <paramref name="step"/> until <paramref name="condition"/> holds, letting
    /// the engine run between steps; returns the virtual time it took.
    /// </summary>
    private static async Task<TimeSpan> AdvanceUntil(FakeTimeProvider time, Func<bool> condition, TimeSpan step, TimeSpan limit)
    {
        TimeSpan advanced = TimeSpan.Zero;
        while (true)
        {
            for (int i = 0; i < 20 && !condition(); i++) await Task.Delay(2);
            if (condition()) return advanced;
            if (advanced >= limit) throw new TimeoutException($"condition not met within {limit} of virtual time");
            time.Advance(step);
            advanced += step;
        }
    }

    /// <summary>Records what the tests check, reading the owner's guest at the moment it is reported ready.</summary>
    private sealed class RecordingObserver : ISummonObserver
    {
        public SummonEngine? Engine { get; set; }
        public ConcurrentDictionary<string, (string? Guest, IPAddress? Address)> ReadyWith { get; } = new();
        public ConcurrentQueue<ReapReason> Reaps { get; } = new();
        public ConcurrentQueue<EngineCap> CapWaits { get; } = new();

        public void StateChanged(string service, SummonState before, SummonState after)
        {
            if (after != SummonState.Ready || Engine?.Find(service) is not { } owner) return;
            ReadyWith[service] = (owner.GuestName, owner.Network?.ServiceAddress);
        }

        public void PhaseCompleted(string service, SummonKind kind, SummonPhase phase, TimeSpan elapsed) { }
        public void SummonFinished(string service, SummonKind kind, SummonOutcome outcome, TimeSpan elapsed) { }
        public void Reaped(string service, ReapReason reason) => Reaps.Enqueue(reason);
        public void Crashed(string service, GuestExitReason reason) { }
        public void CapWaited(string service, EngineCap cap) => CapWaits.Enqueue(cap);
        public void CapRefused(string service, EngineCap cap) { }
        public void RunningGuestsChanged(int running) { }
        public void PoolChanged(string service, int ready) { }
    }
}
