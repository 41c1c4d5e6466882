using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Summoner.Engine;

namespace Summoner.Engine.Tests;

/// <summary>
/// A stand-in hypervisor for state-machine unit tests only (end-to-end tests boot real guests):
/// "booting" prints the readiness line on the guest's in-memory console after a delay, listens on
/// the service's loopback address and reports its first accepted connection, as a real guest does.
/// </summary>
internal sealed class ScriptedDriver : IGuestDriver
{
    private readonly ConcurrentDictionary<string, TcpListener> _listeners = new();
    private readonly ConcurrentDictionary<string, Guest> _guests = new();
    public int Creates;
    /// <summary>Creates that have returned (after <see cref="CreateDelay"/>).</summary>
    public int CreatesReturned;
    public int Destroys;
    public TimeSpan BootDelay { get; set; } = TimeSpan.FromMilliseconds(50);
    public bool NeverReady { get; set; }
    /// <summary>How long a create blocks before the guest exists, ignoring cancellation (a stuck libvirt).</summary>
    public TimeSpan CreateDelay { get; set; }
    /// <summary>Accepts connections at the "host side" but never reports them: QEMU's user-mode
    /// forwarder accepting for a guest whose stack does not take the connection.</summary>
    public bool SilentAccept { get; set; }
    public long Counter;
    public ConcurrentQueue<GuestLaunch> Launches { get; } = new();

    public async Task<IGuest> CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Creates);
        Launches.Enqueue(launch);
        if (CreateDelay > TimeSpan.Zero) await Task.Delay(CreateDelay, CancellationToken.None);
        Interlocked.Increment(ref CreatesReturned);
        var guest = new Guest(this, launch.GuestName, launch.Network);
        _guests[launch.GuestName] = guest;
        guest.Console.AppendLine("hello from C#");
        var loopback = (LoopbackNetwork)launch.Network;
        foreach (int port in loopback.Ports)
        {
            var l = new TcpListener(loopback.HostAddress, port);
            l.Start();
            _listeners[launch.GuestName + ":" + port] = l;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(BootDelay, CancellationToken.None);
            if (NeverReady) return;
            foreach (int port in loopback.Ports)
            {
                guest.Console.AppendLine(ReadinessLine.ReadyTcp(port));
                if (_listeners.TryGetValue(launch.GuestName + ":" + port, out TcpListener? listener))
                    _ = AcceptAsync(listener, guest.Console, port);
            }
        }, CancellationToken.None);
        return guest;
    }

    /// <summary>Like Kernel.Net's host: reports the first accept, and every connection closed before it sent a byte (a probe).</summary>
    private async Task AcceptAsync(TcpListener listener, ConsoleLines console, int port)
    {
        bool first = true;
        try
        {
            while (true)
            {
                Socket s = await listener.AcceptSocketAsync();
                if (SilentAccept) { s.Dispose(); continue; }
                if (first)
                {
                    first = false;
                    console.AppendLine(ReadinessLine.AcceptedTcp(port));
                }
                _ = ReportIfProbeAsync(s, console, port);
            }
        }
        catch (SocketException) { } // stopped: the guest is gone
        catch (ObjectDisposedException) { }
    }

    private static async Task ReportIfProbeAsync(Socket s, ConsoleLines console, int port)
    {
        using (s)
        {
            var buffer = new byte[256];
            try
            {
                if (await s.ReceiveAsync(buffer, SocketFlags.None) == 0)
                    console.AppendLine(ReadinessLine.AcceptedTcp(port));
            }
            catch (SocketException) { }
        }
    }

    /// <summary>By name, as the engine does for a guest whose create it abandoned.</summary>
    public Task DestroyAsync(string guestName, CancellationToken cancellationToken) =>
        _guests.TryGetValue(guestName, out Guest? guest) ? guest.DestroyAsync(cancellationToken) : Task.CompletedTask;

    public void Crash(string guestName)
    {
        if (_guests.TryRemove(guestName, out Guest? guest))
        {
            StopListeners(guestName);
            guest.Exit(GuestExitReason.Crashed);
        }
    }

    private void StopListeners(string guestName)
    {
        foreach (var key in _listeners.Keys.Where(k => k.StartsWith(guestName + ":", StringComparison.Ordinal)).ToList())
            if (_listeners.TryRemove(key, out var l)) l.Stop();
    }

    /// <summary>The guests this driver runs now.</summary>
    public Task<IReadOnlyList<string>> ListGuestsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. _guests.Keys]);

    public async Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken) =>
        [.. (await ListGuestsAsync(cancellationToken)).Select(n => new RunningGuest(n, null, null, Paused: false))];

    public IGuest Adopt(RunningGuest guest) =>
        _guests.GetOrAdd(guest.GuestName, name => new Guest(this, name, guest.Network!));

    public ValueTask DisposeAsync()
    {
        foreach (var l in _listeners.Values) l.Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>A scripted guest: its console in memory, its exit a task.</summary>
    private sealed class Guest(ScriptedDriver driver, string name, GuestNetwork network) : IGuest
    {
        private readonly TaskCompletionSource<GuestExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConsoleLines Console { get; } = new();
        public string Name { get; } = name;
        public GuestNetwork Network { get; } = network;
        public Task<GuestExit> Exited => _exited.Task;
        public bool HasExited => _exited.Task.IsCompleted;

        public IConsoleReader ReadConsole(bool fromStart) => Console.Read(fromStart);
        public Task SuspendAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task ResumeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DestroyAsync(CancellationToken cancellationToken)
        {
            if (!driver._guests.TryRemove(new KeyValuePair<string, Guest>(Name, this))) return Task.CompletedTask;
            Interlocked.Increment(ref driver.Destroys);
            driver.StopListeners(Name);
            Exit(GuestExitReason.Destroyed);
            return Task.CompletedTask;
        }

        public Task<GuestCounters?> GetCountersAsync(CancellationToken cancellationToken) =>
            Task.FromResult<GuestCounters?>(new GuestCounters(Interlocked.Read(ref driver.Counter), 0));

        public void Exit(GuestExitReason reason) => _exited.TrySetResult(new GuestExit(Name, reason));
    }
}
