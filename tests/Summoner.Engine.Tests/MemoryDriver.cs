using System.Collections.Concurrent;
using Summoner.Engine;

namespace Summoner.Engine.Tests;

/// <summary>
/// A hypervisor in memory for the engine's virtual-clock tests: no files, no listeners, no real
/// time. A guest "boots" <see cref="BootTime"/> after its create (or, created paused, after its
/// resume) on the test's clock, then prints a ready line for each UDP port on its in-memory console,
/// as Kernel.Net's host does. Services driven by it have UDP ports only, so readiness needs no TCP
/// probe (end-to-end tests boot real guests).
/// </summary>
internal sealed class MemoryDriver(TimeProvider time) : IGuestDriver
{
    private readonly TimeProvider _time = time;
    private readonly ConcurrentDictionary<string, Guest> _guests = new();
    public int Creates;
    public int Destroys;
    public int Resumes;
    public TimeSpan BootTime { get; set; } = TimeSpan.FromSeconds(2);
    public bool NeverReady { get; set; }
    public ConcurrentQueue<GuestLaunch> Launches { get; } = new();

    /// <summary>What <see cref="IsAlive"/> says: a test "loses" the host's connection by clearing it.</summary>
    public bool Alive { get; set; } = true;

    public bool IsAlive => Alive;

    /// <summary>What <see cref="IGuestDriver.WarmedUp"/> says: a test holds it open to play a daemon still probing QEMU.</summary>
    public Task WarmedUp { get; set; } = Task.CompletedTask;

    /// <summary>The guests running now, as an earlier connection's list would show them (with their launch's ownership).</summary>
    public IReadOnlyList<RunningGuest> Running() =>
        [.. Launches.Where(l => _guests.ContainsKey(l.GuestName)).Select(l => new RunningGuest(l.GuestName, l.Ownership, l.Network, Paused: false))];

    /// <summary>Guests an earlier run of the daemon "left running" (what <see cref="ListRunningGuestsAsync"/> reports).</summary>
    public List<RunningGuest> Leftovers { get; } = [];

    public Task<IGuest> CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        Launches.Enqueue(launch);
        var guest = new Guest(this, launch.GuestName, launch.Network);
        _guests[launch.GuestName] = guest;
        if (!launch.StartPaused) guest.StartBoot();
        // Counted last: a test that saw the count knows the guest's boot timer runs from the clock's now.
        Interlocked.Increment(ref Creates);
        return Task.FromResult<IGuest>(guest);
    }

    public bool IsRunning(string guestName) => _guests.ContainsKey(guestName);

    public void Crash(string guestName)
    {
        if (_guests.TryRemove(guestName, out Guest? guest)) guest.Exit(GuestExitReason.Crashed);
    }

    public Task DestroyAsync(string guestName, CancellationToken cancellationToken) =>
        _guests.TryGetValue(guestName, out Guest? guest) ? guest.DestroyAsync(cancellationToken) : Task.CompletedTask;

    public Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RunningGuest>>([.. Leftovers]);

    public IGuest Adopt(RunningGuest guest) =>
        _guests.GetOrAdd(guest.GuestName, name => new Guest(this, name, guest.Network!));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Guest(MemoryDriver driver, string name, GuestNetwork network) : IGuest
    {
        private readonly TaskCompletionSource<GuestExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ITimer? _boot;
        private bool _booted;

        public ConsoleLines Console { get; } = new();
        public string Name { get; } = name;
        public GuestNetwork Network { get; } = network;
        public Task<GuestExit> Exited => _exited.Task;
        public bool HasExited => _exited.Task.IsCompleted;

        public IConsoleReader ReadConsole(bool fromStart) => Console.Read(fromStart);

        /// <summary>Prints the ready lines <see cref="BootTime"/> from now on the driver's clock.</summary>
        public void StartBoot()
        {
            if (_booted) return;
            _booted = true;
            Console.AppendLine("hello from C#");
            if (driver.NeverReady) return;
            if (driver.BootTime <= TimeSpan.Zero) PrintReady();
            else _boot = driver._time.CreateTimer(_ => PrintReady(), null, driver.BootTime, Timeout.InfiniteTimeSpan);
        }

        private void PrintReady()
        {
            if (HasExited) return;
            var loopback = (LoopbackNetwork)Network;
            // As Kernel.Net does when given udp_tunnel= (every loopback guest with UDP ports): the tunnel listens first.
            if (loopback.UdpPorts.Count > 0) Console.AppendLine(ReadinessLine.TunnelTcp(Kernel.Net.App.UdpTunnelFrame.DefaultPort));
            foreach (int port in loopback.UdpPorts) Console.AppendLine(ReadinessLine.ReadyUdp(port));
        }

        public Task SuspendAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ResumeAsync(CancellationToken cancellationToken)
        {
            StartBoot(); // a guest created paused boots from here; a booted one just runs on
            // Counted after the boot timer is set, as Creates is.
            Interlocked.Increment(ref driver.Resumes);
            return Task.CompletedTask;
        }

        public Task DestroyAsync(CancellationToken cancellationToken)
        {
            if (!driver._guests.TryRemove(new KeyValuePair<string, Guest>(Name, this))) return Task.CompletedTask;
            Interlocked.Increment(ref driver.Destroys);
            Exit(GuestExitReason.Destroyed);
            return Task.CompletedTask;
        }

        public Task<GuestCounters?> GetCountersAsync(CancellationToken cancellationToken) => Task.FromResult<GuestCounters?>(null);

        public void Exit(GuestExitReason reason)
        {
            _boot?.Dispose();
            _exited.TrySetResult(new GuestExit(Name, reason));
        }
    }
}
