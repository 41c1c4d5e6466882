using System.Net;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary><see cref="SummonEngine.Apply"/>: a reload's new set of services, over the scripted driver.</summary>
[Trait("Category", "unit")]
[Trait("Category", "root")]
public sealed class EngineReloadTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("summoner-reload-").FullName;
    private static int s_next;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private (SummonEngine Engine, ScriptedDriver Driver, ServiceSpec Hello, ServiceSpec Other) Create(TimeSpan? answerTtl = null)
    {
        // Own addresses and ports per test: the scripted guests really listen.
        int n = Interlocked.Increment(ref s_next);
        var first = IPAddress.Parse($"127.79.{n}.1");
        var hello = new ServiceSpec("hello", ["hello.example.test"], "/nonexistent.elf", [18180 + n], 32, 1, "", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10));
        var other = hello with { Name = "other", DnsNames = ["other.example.test"], Ports = [18280 + n] };
        var driver = new ScriptedDriver();
        var engine = new SummonEngine([hello, other], driver, new LoopbackNetworkPlan(first, 8),
            new EngineOptions { StateDirectory = _state, AnswerTtl = answerTtl ?? TimeSpan.Zero, ReapInterval = TimeSpan.FromMilliseconds(50) });
        return (engine, driver, hello, other);
    }

    [Fact]
    public async Task A_changed_service_keeps_its_guest_and_the_next_boot_uses_the_new_spec_with_the_caps_returned_by_the_old_one()
    {
        var (engine, driver, hello, other) = Create();
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("hello", Deadline)).Succeeded);
        ServiceOwner owner = engine.Find("hello")!;
        string guest = owner.GuestName!;

        ServiceSpec bigger = hello with { MemoryMiB = 96 };
        ServiceChanges changes = engine.Apply([bigger, other]);
        ServiceChange change = Assert.Single(changes.Changed);
        Assert.Equal(("hello", true), (change.Name, change.KeepsRunningGuest));
        Assert.Equal(["memory"], change.What);
        Assert.Equal((0, 0, 1), (changes.Added.Count, changes.Removed.Count, changes.Unchanged));

        // Still the old guest, untouched, and the old spec in force until it goes.
        Assert.True((await engine.QueryAsync("hello", Deadline)).Succeeded);
        Assert.Equal(guest, owner.GuestName);
        Assert.Same(hello, owner.Spec);
        Assert.Same(bigger, owner.PendingSpec);
        Assert.Equal((1, 0), (driver.Creates, driver.Destroys));
        Assert.Equal(32, engine.GuestMemoryMiB);

        await engine.StopServiceAsync("hello");
        Assert.Same(bigger, owner.Spec);
        Assert.Null(owner.PendingSpec);
        Assert.Equal(0, engine.GuestMemoryMiB);
        Assert.True((await engine.QueryAsync("hello", Deadline)).Succeeded);
        Assert.Equal(96, driver.Launches.Last().MemoryMiB);
        Assert.Equal(96, engine.GuestMemoryMiB);
        await engine.StopServiceAsync("hello");
        Assert.Equal(0, engine.GuestMemoryMiB);
    }

    [Fact]
    public async Task A_removed_service_is_not_found_at_once_and_its_guest_goes_after_the_ttl_and_publish_sees_both_sets()
    {
        TimeSpan ttl = TimeSpan.FromMilliseconds(800);
        var (engine, driver, hello, other) = Create(ttl);
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("other", Deadline)).Succeeded);
        ServiceOwner removed = engine.Find("other")!;
        var added = hello with { Name = "third", DnsNames = ["third.example.test"], Ports = [hello.Ports[0] + 200] };

        bool bothDuringPublish = false;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        ServiceChanges changes = engine.Apply([hello, added], () => bothDuringPublish = engine.Find("other") is not null && engine.Find("third") is not null);
        Assert.True(bothDuringPublish);
        Assert.Equal(["third"], changes.Added);
        Assert.Equal(["other"], changes.Removed);
        Assert.Null(engine.Find("other"));
        Assert.Same(removed, Assert.Single(engine.Draining));
        // Its running guest answers those who got its address before; it boots no more.
        Assert.Equal(SummonState.Ready, removed.State);
        Assert.Equal(0, driver.Destroys);

        await changes.Drained.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(sw.Elapsed >= ttl, $"drained after {sw.Elapsed}");
        Assert.Equal(1, driver.Destroys);
        Assert.Empty(engine.Draining);
        Assert.Equal(SummonFailure.Removed, (await removed.SummonAsync(SummonTrigger.Dns, client: null)).Failure);
        Assert.True((await engine.QueryAsync("third", Deadline)).Succeeded);
    }

    [Fact]
    public async Task A_service_added_back_while_it_drains_keeps_its_guest()
    {
        var (engine, driver, hello, other) = Create(TimeSpan.FromSeconds(30));
        await using var _e = engine;
        await engine.StartAsync(CancellationToken.None);
        Assert.True((await engine.QueryAsync("other", Deadline)).Succeeded);
        ServiceOwner owner = engine.Find("other")!;
        string guest = owner.GuestName!;
        engine.Apply([hello]);
        ServiceChanges back = engine.Apply([hello, other]);
        Assert.Equal(["other"], back.Added);
        Assert.Same(owner, engine.Find("other"));
        Assert.Empty(engine.Draining);
        Assert.True((await engine.QueryAsync("other", Deadline)).Succeeded);
        Assert.Equal((guest, 1, 0), (owner.GuestName, driver.Creates, driver.Destroys));
    }

    [Fact]
    public async Task The_same_name_twice_is_refused_and_nothing_changes()
    {
        var (engine, _, hello, other) = Create();
        await using var _e = engine;
        Assert.Throws<ArgumentException>(() => engine.Apply([hello, other, hello with { MemoryMiB = 64 }]));
        Assert.Same(hello, engine.Find("hello")!.Spec);
    }
}
