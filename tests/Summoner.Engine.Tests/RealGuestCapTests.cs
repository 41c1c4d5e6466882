using System.Diagnostics;
using System.Net;
using Summoner.Libvirt;
using Summoner.Metrics;
using Summoner.Adapters;
using Summoner.Testing;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>
/// The engine over the real libvirt driver with real hello guests (TCG here): the caps, the
/// capability-mask fallback, the warm pool (a real member answers, proves itself after its resume,
/// and is replaced) and destroys off the answer path.
/// </summary>
[Collection("real libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class RealGuestCapTests(RealLibvirt libvirt) : IAsyncLifetime
{
    private static int s_engine;
    private readonly string _state = Directory.CreateTempSubdirectory("sumeng-st-").FullName;
    private readonly List<IAsyncDisposable> _owned = [];
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    private sealed record Rig(SummonEngine Engine, SummonerMetrics Metrics, TimedDriver Driver, LibvirtGuestDriver Libvirt, ListLogger Log)
    {
        public double Metric(string series)
        {
            foreach (string line in Metrics.Registry.Render().Split('\n'))
                if (line.StartsWith(series + " ", StringComparison.Ordinal))
                    return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            return 0;
        }
    }

    private static ServiceSpec Hello(string name, int memoryMiB = 32, int warmPool = 0, string? image = null, TimeSpan? bootDeadline = null, PoolMode poolMode = PoolMode.Booted) =>
        new(name, [name + ".test"], image ?? RepoPaths.Image("hello"), [80], memoryMiB, 1, "", TimeSpan.FromMinutes(10), bootDeadline ?? TimeSpan.FromSeconds(60), warmPool, poolMode);

    private async Task<Rig> StartAsync(EngineOptions options, IReadOnlyList<string>? mask = null, params ServiceSpec[] services)
    {
        int n = Interlocked.Increment(ref s_engine);
        var log = new ListLogger();
        var lv = new LibvirtGuestDriver(libvirt.Connection, Summoner.Testing.Accelerator.HardwareKvm ? Summoner.Libvirt.Accelerator.Kvm : Summoner.Libvirt.Accelerator.Tcg, log,
            LibvirtGuestDriver.ConsoleDirectory(_state), mask);
        var driver = new TimedDriver(lv);
        var metrics = new SummonerMetrics();
        SummonEngine? engine = null;
        var observer = new MetricsObserver(metrics, () => (engine?.GuestMemoryMiB ?? 0) << 20);
        // Each engine its own loopback range and guest-name prefix, so no two tests share either.
        var plan = new LoopbackNetworkPlan(IPAddress.Parse($"127.83.{Environment.ProcessId % 200}.{n * 8 + 1}"), 8);
        engine = new SummonEngine(services, driver, plan,
            options with { StateDirectory = _state, GuestNamePrefix = $"sumeng-{Environment.ProcessId:x}-{n}-", ReapInterval = TimeSpan.FromHours(1) }, observer);
        _owned.Add(engine);
        _owned.Add(driver);
        await engine.StartAsync(CancellationToken.None);
        return new Rig(engine, metrics, driver, lv, log);
    }

    private static EngineOptions Caps(int boots = 4, int running = 16, long memoryMiB = 4096, int waiting = 8, double waitSeconds = 90) => new()
    {
        StateDirectory = "unused",
        MaxConcurrentBoots = boots,
        MaxRunningGuests = running,
        MaxTotalMemoryMiB = memoryMiB,
        WaitingSummons = waiting,
        CapWait = TimeSpan.FromSeconds(waitSeconds),
    };

    [Fact]
    public async Task Concurrent_boots_holds_the_second_summon_until_the_first_guest_is_ready_then_boots_it()
    {
        Rig rig = await StartAsync(Caps(boots: 1), null, Hello("capa"), Hello("capb"));
        // Either may win the slot; whichever is created second must find the other already ready.
        var otherAtCreate = new System.Collections.Concurrent.ConcurrentQueue<SummonState>();
        rig.Driver.BeforeCreate = guest => otherAtCreate.Enqueue(rig.Engine.Find(guest.Contains("-capa-", StringComparison.Ordinal) ? "capb" : "capa")!.State);
        int maxBooting = 0;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested) { maxBooting = Math.Max(maxBooting, rig.Engine.BootingGuests); await Task.Delay(1); }
        });
        Task<SummonOutcome> a = rig.Engine.QueryAsync("capa", Long);
        Task<SummonOutcome> b = rig.Engine.QueryAsync("capb", Long);
        SummonOutcome outcomeA = await a;
        Assert.True(outcomeA.Succeeded, outcomeA.Detail);
        SummonOutcome outcomeB = await b;
        Assert.True(outcomeB.Succeeded, outcomeB.Detail);
        await sampling.CancelAsync();
        await sampler;

        // The second guest was created only once the first was ready: a boot holds its slot until ready, not only through create.
        // The first create may run before the second query even arrives (Cold) or while it waits (Booting).
        SummonState[] seen = otherAtCreate.ToArray();
        Assert.Equal(2, seen.Length);
        Assert.Contains(seen[0], new[] { SummonState.Cold, SummonState.Booting });
        Assert.Equal(SummonState.Ready, seen[1]);
        Assert.Equal(1, maxBooting);
        Assert.Equal(1, rig.Metric("summoner_cap_waits_total{cap=\"concurrent_boots\"}"));
        Assert.Equal(0, rig.Metric("summoner_cap_refusals_total{cap=\"concurrent_boots\"}"));
        Assert.Equal(2, rig.Engine.RunningGuests);
    }

    [Fact]
    public async Task Concurrent_boots_with_no_waiting_room_refuses_the_second_summon_counts_it_and_summons_it_once_free()
    {
        Rig rig = await StartAsync(Caps(boots: 1, waiting: 0), null, Hello("capc"), Hello("capd"));
        Task<SummonOutcome> c = rig.Engine.QueryAsync("capc", Long);
        await WaitUntilAsync(() => rig.Engine.BootingGuests == 1, TimeSpan.FromSeconds(10));
        SummonOutcome refused = await rig.Engine.QueryAsync("capd", Long);
        Assert.Equal(SummonFailure.Cap, refused.Failure);
        Assert.Contains("concurrent_boots", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(1, rig.Metric("summoner_cap_refusals_total{cap=\"concurrent_boots\"}"));
        Assert.Equal(1, rig.Metric("summoner_summons_total{service=\"capd\",result=\"refused\"}"));
        Assert.True((await c).Succeeded);
        SummonOutcome later = await rig.Engine.QueryAsync("capd", Long);
        Assert.True(later.Succeeded, later.Detail);
    }

    [Theory]
    [InlineData("running_guests")]
    [InlineData("guest_memory")]
    public async Task Over_a_guest_cap_a_summon_waits_is_refused_at_its_deadline_and_summons_once_a_guest_is_reaped(string cap)
    {
        EngineOptions caps = cap == "running_guests" ? Caps(running: 1, waitSeconds: 1.5) : Caps(memoryMiB: 48, waitSeconds: 1.5);
        Rig rig = await StartAsync(caps, null, Hello("cape"), Hello("capf"));
        Assert.True((await rig.Engine.QueryAsync("cape", Long)).Succeeded);

        var sw = Stopwatch.StartNew();
        SummonOutcome refused = await rig.Engine.QueryAsync("capf", Long);
        Assert.Equal(SummonFailure.Cap, refused.Failure);
        Assert.Contains(cap, refused.Detail, StringComparison.Ordinal);
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(10)); // it waited its whole wait first
        Assert.Equal(1, rig.Metric($"summoner_cap_waits_total{{cap=\"{cap}\"}}"));
        Assert.Equal(1, rig.Metric($"summoner_cap_refusals_total{{cap=\"{cap}\"}}"));

        // Now room appears while it waits: the reap of cape lets capf boot.
        Task<SummonOutcome> waiting = rig.Engine.QueryAsync("capf", Long);
        await WaitUntilAsync(() => rig.Engine.WaitingSummons == 1, TimeSpan.FromSeconds(10));
        await rig.Engine.StopServiceAsync("cape");
        SummonOutcome summoned = await waiting;
        Assert.True(summoned.Succeeded, summoned.Detail);
        Assert.Equal(2, rig.Metric($"summoner_cap_waits_total{{cap=\"{cap}\"}}"));
        Assert.Equal(1, rig.Engine.RunningGuests);
    }

    [Fact]
    public async Task A_capability_mask_libvirt_rejects_is_dropped_once_with_a_warning_and_guests_still_start()
    {
        Rig rig = await StartAsync(Caps(), ["summoner-no-such-capability"], Hello("mask"));
        SummonOutcome first = await rig.Engine.QueryAsync("mask", Long);
        Assert.True(first.Succeeded, first.Detail);
        Assert.Empty(rig.Libvirt.MaskedCapabilities);
        await rig.Engine.StopServiceAsync("mask");
        Assert.True((await rig.Engine.QueryAsync("mask", Long)).Succeeded);
        var warnings = rig.Log.Entries.Where(e => e.Message.Contains("rejected the QEMU capability mask", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("summoner-no-such-capability", warnings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_warm_pool_member_answers_without_a_boot_once_its_own_stack_accepted_after_the_resume_and_the_pool_refills()
    {
        Rig rig = await StartAsync(Caps(), null, Hello("warm", warmPool: 1));
        ServiceOwner owner = rig.Engine.Find("warm")!;
        await WaitUntilAsync(() => owner.PoolReady == 1, Long);
        string member = rig.Driver.CreateStarted.Keys.Single();
        string console = ConsoleOf(member);
        // A real member: the guest booted (its own ready line) and is suspended now.
        Assert.Contains("summoner: ready tcp/80", ReadAll(console), StringComparison.Ordinal);
        Assert.True(await IsPausedAsync(rig, member), $"{member} is not suspended in the pool");
        Assert.Equal(1, rig.Metric("summoner_running_guests"));
        Assert.Equal(1, rig.Metric("summoner_warm_pool_guests{service=\"warm\"}"));
        int before = CountAccepted(console);
        Assert.True(before >= 1, "preparing the member proved nothing: no accepted line");

        // Lines printed after the resume reach the engine only once the test lets them through.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        rig.Driver.HoldFreshConsole = release.Task;
        Task<SummonOutcome> wake = rig.Engine.QueryAsync("warm", Long);
        // The resumed guest's own stack takes a probe connection and says so on its console...
        await WaitUntilAsync(() => CountAccepted(console) > before, Long);
        // ...yet the query waits: neither the accepted lines printed before the suspend nor QEMU's
        // forwarder (which accepts the host's connection by itself) may make the member ready.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(wake.IsCompleted, "the wake was answered before any line the guest printed after its resume reached the engine");
        release.SetResult();
        rig.Driver.HoldFreshConsole = null;
        SummonOutcome woken = await wake;
        Assert.True(woken.Succeeded, woken.Detail);

        // Answered by the pool member, not by a boot.
        Assert.Equal(member, owner.GuestName);
        Assert.True(owner.LastSummonWarm);
        Assert.False(await IsPausedAsync(rig, member), $"{member} answered but is still suspended");
        Assert.Equal(1, rig.Metric("summoner_summon_phase_seconds_count{service=\"warm\",phase=\"total\",kind=\"warm\"}"));
        Assert.Equal(0, rig.Metric("summoner_summon_phase_seconds_count{service=\"warm\",phase=\"total\",kind=\"cold\"}"));
        Assert.Equal(0, rig.Metric("summoner_summon_phase_seconds_count{service=\"warm\",phase=\"boot\",kind=\"warm\"}"));

        // The pool refills with a new member, booted and suspended like the first.
        await WaitUntilAsync(() => owner.PoolReady == 1, Long);
        string refill = rig.Driver.CreateStarted.Keys.Single(k => k != member);
        Assert.Equal(2, rig.Driver.CreateStarted.Count);
        Assert.Contains("summoner: ready tcp/80", ReadAll(ConsoleOf(refill)), StringComparison.Ordinal);
        Assert.True(await IsPausedAsync(rig, refill), $"the refill {refill} is not suspended");
        Assert.Equal(1, rig.Metric("summoner_warm_pool_guests{service=\"warm\"}"));
        Assert.Equal(2, rig.Metric("summoner_running_guests"));

        // And the refill answers the next summon once the first guest is gone: again no boot.
        await rig.Engine.StopServiceAsync("warm");
        SummonOutcome again = await rig.Engine.QueryAsync("warm", Long);
        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal(refill, owner.GuestName);
        Assert.Equal(2, rig.Metric("summoner_summon_phase_seconds_count{service=\"warm\",phase=\"total\",kind=\"warm\"}"));
        Assert.Equal(0, rig.Metric("summoner_summon_phase_seconds_count{service=\"warm\",phase=\"total\",kind=\"cold\"}"));
    }

    [Fact]
    public async Task A_pool_member_created_paused_never_ran_until_a_query_resumes_it_then_boots_and_the_pool_refills()
    {
        Rig rig = await StartAsync(Caps(), null, Hello("prestart", warmPool: 1, poolMode: PoolMode.Created));
        ServiceOwner owner = rig.Engine.Find("prestart")!;
        await WaitUntilAsync(() => owner.PoolReady == 1, Long);
        string member = rig.Driver.CreateStarted.Keys.Single();
        Assert.True(await IsPausedAsync(rig, member), $"{member} is not paused in the pool");
        // Paused from its creation: the guest has not run a single instruction, so printed nothing.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.DoesNotContain("summoner:", ReadAll(ConsoleOf(member)), StringComparison.Ordinal);

        SummonOutcome woken = await rig.Engine.QueryAsync("prestart", Long);
        Assert.True(woken.Succeeded, woken.Detail);
        Assert.Equal(member, owner.GuestName);
        // It booted now: its ready line and an accepted line are on the console, and the summon counted as a prestart wake.
        string console = ReadAll(ConsoleOf(member));
        Assert.Contains("summoner: ready tcp/80", console, StringComparison.Ordinal);
        Assert.Contains("summoner: accepted tcp/80", console, StringComparison.Ordinal);
        Assert.Equal(1, rig.Metric("summoner_summon_phase_seconds_count{service=\"prestart\",phase=\"boot\",kind=\"prestart\"}"));
        Assert.Equal(0, rig.Metric("summoner_summon_phase_seconds_count{service=\"prestart\",phase=\"total\",kind=\"cold\"}"));

        await WaitUntilAsync(() => owner.PoolReady == 1, Long);
        string refill = rig.Driver.CreateStarted.Keys.Single(k => k != member);
        Assert.True(await IsPausedAsync(rig, refill), $"the refill {refill} is not paused");
    }

    private string ConsoleOf(string guest) => LibvirtGuestDriver.ConsoleFile(LibvirtGuestDriver.ConsoleDirectory(_state), guest);

    private static async Task<bool> IsPausedAsync(Rig rig, string guest) =>
        (await rig.Libvirt.ListRunningGuestsAsync(CancellationToken.None)).Single(g => g.GuestName == guest).Paused;

    [Fact]
    public async Task A_reap_and_a_failed_boot_destroy_in_the_background_while_answers_and_summons_go_on()
    {
        string scratch = Directory.CreateTempSubdirectory("sumeng-img-").FullName;
        string halting = Path.Combine(scratch, "halt.elf");
        ProbeImage.WriteHalting(halting); // never prints a readiness line
        Rig rig = await StartAsync(Caps(), null, Hello("rpa"), Hello("rpb"), Hello("dead", image: halting, bootDeadline: TimeSpan.FromSeconds(1)));
        Assert.True((await rig.Engine.QueryAsync("rpa", Long)).Succeeded);
        Assert.True((await rig.Engine.QueryAsync("rpb", Long)).Succeeded);
        string oldA = rig.Engine.Find("rpa")!.GuestName!;

        // A reap: the service is cold at once and the next query boots while the old guest is destroyed.
        Task reap = rig.Engine.StopServiceAsync("rpa");
        var answer = Stopwatch.StartNew();
        SummonOutcome other = await rig.Engine.QueryAsync("rpb", Long);
        answer.Stop();
        Assert.True(other.Succeeded);
        Assert.False(rig.Driver.DestroyEnded.ContainsKey(oldA), "the destroy (≥ 200 ms in libvirt 9.0) ended before a ready answer");
        Assert.True(answer.Elapsed < TimeSpan.FromMilliseconds(100), $"a ready answer took {answer.Elapsed.TotalMilliseconds:F1} ms during a destroy");
        SummonOutcome again = await rig.Engine.QueryAsync("rpa", Long);
        Assert.True(again.Succeeded, again.Detail);
        await reap;
        string newA = rig.Engine.Find("rpa")!.GuestName!;
        Assert.NotEqual(oldA, newA);
        Assert.True(rig.Driver.CreateStarted[newA] < rig.Driver.DestroyEnded[oldA], "the new boot waited for the old guest's destroy");

        // A failed boot answers before its guest is destroyed.
        SummonOutcome failed = await rig.Engine.QueryAsync("dead", Long);
        TimeSpan failedAt = rig.Driver.Now;
        Assert.False(failed.Succeeded);
        string deadGuest = rig.Driver.CreateStarted.Keys.Single(k => k.Contains("-dead-", StringComparison.Ordinal));
        await WaitUntilAsync(() => rig.Driver.DestroyEnded.ContainsKey(deadGuest), TimeSpan.FromSeconds(10));
        Assert.True(rig.Driver.DestroyEnded[deadGuest] > failedAt, "the failed boot's answer waited for its destroy");
        Directory.Delete(scratch, recursive: true);
    }

    private static int CountAccepted(string console) =>
        ReadAll(console).Split('\n').Count(l => l.StartsWith("summoner: accepted tcp/80", StringComparison.Ordinal));

    private static string ReadAll(string console)
    {
        using var s = new FileStream(console, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(s).ReadToEnd();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in " + timeout);
            await Task.Delay(5);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // xunit 2 disposes test classes through IAsyncLifetime (not IAsyncDisposable): engines first, so
    // a pool member still being prepared is waited for and destroyed, not left to the fixture.
    public async Task DisposeAsync()
    {
        foreach (IAsyncDisposable d in _owned) await d.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }
}
