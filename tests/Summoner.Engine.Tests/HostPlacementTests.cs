using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>
/// Placement over several hosts (<see cref="HostSet"/>), each an in-memory driver on a virtual clock:
/// spread and pack, per-host caps under the global ones, a host that stops answering (its services go
/// cold and are placed elsewhere by the next query) and one that comes back (what it still runs of
/// ours is destroyed before it takes guests again).
/// </summary>
[Trait("Category", "unit")]
public sealed class HostPlacementTests
{
    private static readonly TimeSpan RealBound = TimeSpan.FromSeconds(20);
    private const string Instance = "instance-a";

    private sealed class Setup : IAsyncDisposable
    {
        public required SummonEngine Engine { get; init; }
        public required HostSet Hosts { get; init; }
        public required Dictionary<string, MemoryDriver> Drivers { get; init; }
        public required FakeTimeProvider Time { get; init; }
        public Dictionary<string, int> Connects { get; } = [];

        public Task<SummonOutcome> Summon(string name) => Engine.QueryAsync(name, RealBound);

        /// <summary>The host each created guest went to, by service.</summary>
        public string HostOfService(string service) => Hosts.HostOf(Engine.Find(service)!.GuestName!)!;

        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            await Hosts.DisposeAsync();
        }
    }

    /// <param name="leftoverOnH0MiB">Above 0: h0 still runs a guest of s0 from this instance's previous run, that size, which the engine takes back.</param>
    private static async Task<Setup> CreateAsync(PlacementRule rule, int guestsPerHost = 8, long memoryPerHost = 1024, int hosts = 2, int services = 4, int globalGuests = 64, int leftoverOnH0MiB = 0)
    {
        var time = new FakeTimeProvider();
        var drivers = new Dictionary<string, MemoryDriver>();
        var connects = new Dictionary<string, int>();
        var definitions = new List<HostDefinition>();
        for (int i = 0; i < hosts; i++)
        {
            string name = "h" + i;
            var driver = new MemoryDriver(time) { BootTime = TimeSpan.Zero };
            drivers[name] = driver;
            connects[name] = 0;
            definitions.Add(new HostDefinition(name, new LoopbackNetworkPlan(IPAddress.Parse($"127.{81 + i}.0.1"), 64), guestsPerHost, memoryPerHost, _ =>
            {
                lock (connects) connects[name]++;
                // A host "down" refuses connections until the test revives it.
                return driver.Alive ? Task.FromResult<IGuestDriver>(driver) : Task.FromException<IGuestDriver>(new InvalidOperationException("connection refused"));
            }));
        }
        var set = new HostSet(definitions, rule, Instance, NullLogger.Instance, time);
        await set.StartAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), CancellationToken.None);
        var specs = Enumerable.Range(0, services).Select(i => new ServiceSpec("s" + i, ["s" + i + ".test"], "/nonexistent.elf", [], 64, 1, "",
            TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), 0, PoolMode.Booted) { UdpPorts = [5353] }).ToList();
        var engine = new SummonEngine(specs, set, set, new EngineOptions
        {
            StateDirectory = "/nonexistent",
            Time = time,
            ReapInterval = TimeSpan.FromDays(1),
            MaxRunningGuests = globalGuests,
            InstanceId = Instance,
        });
        if (leftoverOnH0MiB > 0)
        {
            drivers["h0"].Leftovers.Add(new RunningGuest("summoner-s0-7", new GuestOwnership(Instance, "s0", specs[0].Fingerprint()),
                new LoopbackNetwork(IPAddress.Parse("127.81.0.9"), specs[0].ForwardedPorts) { UdpPorts = specs[0].UdpPorts }, Paused: false, leftoverOnH0MiB));
        }
        await engine.StartAsync(CancellationToken.None);
        var setup = new Setup { Engine = engine, Hosts = set, Drivers = drivers, Time = time };
        foreach (var (k, v) in connects) setup.Connects[k] = v;
        return setup;
    }

    [Fact]
    public async Task A_host_still_preparing_is_taken_once_ready_or_once_the_connect_timeout_passes()
    {
        var time = new FakeTimeProvider();
        var probing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new MemoryDriver(time) { WarmedUp = probing.Task };
        var stuck = new MemoryDriver(time) { WarmedUp = new TaskCompletionSource().Task };
        HostDefinition Host(string name, MemoryDriver d, int octet) =>
            new(name, new LoopbackNetworkPlan(IPAddress.Parse($"127.{octet}.0.1"), 8), 4, 1024, _ => Task.FromResult<IGuestDriver>(d));
        await using var set = new HostSet([Host("slow", slow, 84), Host("stuck", stuck, 85)], PlacementRule.Spread, Instance, NullLogger.Instance, time);

        Task start = set.StartAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), CancellationToken.None);
        await Task.Delay(100);
        Assert.False(start.IsCompleted);
        Assert.All(set.Hosts, h => Assert.Equal(HostState.Down, h.State));

        probing.SetResult();
        await Eventually(() => set.Hosts.Single(h => h.Name == "slow").State == HostState.Up);
        Assert.False(start.IsCompleted);
        Assert.Equal(HostState.Down, set.Hosts.Single(h => h.Name == "stuck").State);

        // A probe that outlasts the connect timeout does not keep the host out for good.
        time.Advance(TimeSpan.FromSeconds(5));
        await start.WaitAsync(RealBound);
        Assert.All(set.Hosts, h => Assert.Equal(HostState.Up, h.State));
    }

    [Fact]
    public async Task Spread_places_each_summon_on_the_least_loaded_host()
    {
        await using Setup s = await CreateAsync(PlacementRule.Spread);
        for (int i = 0; i < 4; i++) Assert.True((await s.Summon("s" + i)).Succeeded);
        Assert.Equal(2, s.Drivers["h0"].Creates);
        Assert.Equal(2, s.Drivers["h1"].Creates);
        Assert.Equal(["h0", "h1"], s.Hosts.Hosts.Select(h => h.Name));
        Assert.All(s.Hosts.Hosts, h => Assert.Equal((2, 128L), (h.Guests, h.GuestMemoryMiB)));
        // Each guest's address comes from its own host's range.
        for (int i = 0; i < 4; i++)
        {
            string host = s.HostOfService("s" + i);
            Assert.StartsWith(host == "h0" ? "127.81." : "127.82.", s.Engine.Find("s" + i)!.Network!.ServiceAddress.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pack_fills_one_host_to_its_cap_before_the_next()
    {
        await using Setup s = await CreateAsync(PlacementRule.Pack, guestsPerHost: 3);
        for (int i = 0; i < 4; i++) Assert.True((await s.Summon("s" + i)).Succeeded);
        Assert.Equal(3, s.Drivers["h0"].Creates);
        Assert.Equal(1, s.Drivers["h1"].Creates);
        // Over the host's cap it was passed over once (the fourth summon).
        Assert.Equal(1, s.Hosts.Hosts[0].PlacementFailures);
    }

    [Fact]
    public async Task Host_memory_caps_refuse_a_summon_no_host_can_take_and_a_reap_makes_room_again()
    {
        // 64 MiB guests, 128 MiB per host: two hosts hold four; the fifth finds none.
        await using Setup s = await CreateAsync(PlacementRule.Spread, memoryPerHost: 128, services: 5);
        for (int i = 0; i < 4; i++) Assert.True((await s.Summon("s" + i)).Succeeded);
        SummonOutcome refused = await s.Summon("s4");
        Assert.False(refused.Succeeded);
        Assert.Contains("no host", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(1, s.Hosts.Unplaced);
        Assert.Equal(4, s.Engine.RunningGuests);

        await s.Engine.StopServiceAsync("s0");
        await Eventually(() => s.Hosts.Hosts.Sum(h => h.Guests) == 3);
        Assert.True((await s.Summon("s4")).Succeeded);
    }

    [Fact]
    public async Task A_guest_taken_back_after_a_restart_weighs_its_memory_on_its_hosts_cap()
    {
        // h0 runs s0's 100 MiB guest from before the restart; 128 MiB per host leaves no room there for
        // a 64 MiB guest, so pack (the fullest host that fits) must pass h0 over.
        await using Setup s = await CreateAsync(PlacementRule.Pack, memoryPerHost: 128, leftoverOnH0MiB: 100);
        Assert.Equal("h0", s.HostOfService("s0"));
        HostStatus h0 = s.Hosts.Hosts.Single(h => h.Name == "h0");
        Assert.Equal(1, h0.Guests);
        Assert.Equal(100, h0.GuestMemoryMiB);
        Assert.True((await s.Summon("s1")).Succeeded);
        Assert.Equal("h1", s.HostOfService("s1"));
        Assert.Equal(0, s.Drivers["h0"].Creates);

        // Reaped, it gives its memory back.
        await s.Engine.StopServiceAsync("s0");
        await Eventually(() => s.Hosts.Hosts.Single(h => h.Name == "h0").GuestMemoryMiB == 0);
    }

    [Fact]
    public async Task The_global_running_guests_cap_holds_across_hosts()
    {
        await using Setup s = await CreateAsync(PlacementRule.Spread, services: 4, globalGuests: 3);
        for (int i = 0; i < 3; i++) Assert.True((await s.Summon("s" + i)).Succeeded);
        SummonOutcome refused = await s.Summon("s3");
        Assert.Equal(SummonFailure.Cap, refused.Failure);
        Assert.Equal(0, s.Hosts.Unplaced);
    }

    [Fact]
    public async Task A_host_that_stops_answering_is_down_at_the_next_check_its_services_go_cold_and_the_next_query_places_them_elsewhere()
    {
        await using Setup s = await CreateAsync(PlacementRule.Spread);
        for (int i = 0; i < 4; i++) Assert.True((await s.Summon("s" + i)).Succeeded);
        string[] onH0 = [.. Enumerable.Range(0, 4).Select(i => "s" + i).Where(n => s.HostOfService(n) == "h0")];
        Assert.Equal(2, onH0.Length);

        s.Drivers["h0"].Alive = false;
        // Not before the check interval (1 s on the virtual clock)...
        s.Time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.Equal(HostState.Up, s.Hosts.Hosts[0].State);
        // ... and at it.
        s.Time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually(() => s.Hosts.Hosts[0].State == HostState.Down);
        await Eventually(() => onH0.All(n => s.Engine.Find(n)!.State != SummonState.Ready));
        Assert.Equal(0, s.Engine.Services.Count(o => o.State == SummonState.Ready && onH0.Contains(o.Spec.Name)));
        Assert.Equal(2, s.Engine.RunningGuests);
        Assert.Equal(0, s.Hosts.Hosts[0].Guests);

        foreach (string n in onH0)
        {
            SummonOutcome again = await s.Summon(n);
            Assert.True(again.Succeeded, again.Detail);
            Assert.Equal("h1", s.HostOfService(n));
        }
        // The guests h0 still runs were never destroyed: h0 did not answer.
        Assert.Equal(0, s.Drivers["h0"].Destroys);
        Assert.Equal(2, s.Drivers["h0"].Running().Count);

        // h0 answers again: the next check connects, finds our two leftovers and destroys them before taking guests.
        s.Drivers["h0"].Leftovers.AddRange(s.Drivers["h0"].Running());
        s.Drivers["h0"].Alive = true;
        s.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually(() => s.Hosts.Hosts[0].State == HostState.Up);
        Assert.Equal(2, s.Drivers["h0"].Destroys);
        Assert.Empty(s.Drivers["h0"].Running());
    }

    [Fact]
    public async Task A_returning_host_keeps_guests_another_instance_made_there()
    {
        await using Setup s = await CreateAsync(PlacementRule.Spread);
        Assert.True((await s.Summon("s0")).Succeeded);
        string host = s.HostOfService("s0");
        MemoryDriver d = s.Drivers[host];
        // Another summoner's guest on the same daemon.
        var foreign = new GuestLaunch("summoner-other-1", "/x.elf", "", 32, 1, new LoopbackNetwork(IPAddress.Parse("127.99.0.1"), []))
        { Ownership = new GuestOwnership("instance-b", "other", "f") };
        await d.CreateAsync(foreign, CancellationToken.None);
        d.Alive = false;
        s.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually(() => s.Hosts.Hosts.Single(h => h.Name == host).State == HostState.Down);
        d.Leftovers.AddRange(d.Running());
        d.Alive = true;
        s.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually(() => s.Hosts.Hosts.Single(h => h.Name == host).State == HostState.Up);
        Assert.True(d.IsRunning("summoner-other-1"));
        Assert.Equal(["summoner-other-1"], d.Running().Select(g => g.GuestName));
    }

    [Fact]
    public async Task With_every_host_down_a_summon_is_refused_with_a_reason()
    {
        await using Setup s = await CreateAsync(PlacementRule.Spread);
        foreach (MemoryDriver d in s.Drivers.Values) d.Alive = false;
        s.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually(() => s.Hosts.Hosts.All(h => h.State == HostState.Down));
        SummonOutcome refused = await s.Summon("s0");
        Assert.False(refused.Succeeded);
        Assert.Contains("every host is down", refused.Detail, StringComparison.Ordinal);
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
}
