using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Summoner.Engine;

namespace Summoner.Engine.Tests;

/// <summary>
/// A stand-in hypervisor for state-machine unit tests only (end-to-end tests boot real guests):
/// "booting" writes the readiness line to the console file after a delay, listens on the
/// service's loopback address and reports its first accepted connection, as a real guest does.
/// </summary>
internal sealed class ScriptedDriver : IGuestDriver
{
    private readonly ConcurrentDictionary<string, TcpListener> _listeners = new();
    public int Creates;
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

    public event Action<GuestExit>? GuestExited;

    public async Task CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Creates);
        Launches.Enqueue(launch);
        if (CreateDelay > TimeSpan.Zero) await Task.Delay(CreateDelay, CancellationToken.None);
        await File.WriteAllTextAsync(launch.ConsolePath, "hello from C#\n", cancellationToken);
        var listeners = new List<TcpListener>();
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
                await File.AppendAllTextAsync(launch.ConsolePath, $"summoner: ready tcp/{port} in 1.0 ms\n", CancellationToken.None);
                if (_listeners.TryGetValue(launch.GuestName + ":" + port, out TcpListener? listener))
                    _ = AcceptAsync(listener, launch.ConsolePath, port);
            }
        }, CancellationToken.None);
    }

    /// <summary>Like Kernel.Net's host: reports the first accept, and every connection closed before it sent a byte (a probe).</summary>
    private async Task AcceptAsync(TcpListener listener, string consolePath, int port)
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
                    await File.AppendAllTextAsync(consolePath, $"summoner: accepted tcp/{port}\n", CancellationToken.None);
                }
                _ = ReportIfProbeAsync(s, consolePath, port);
            }
        }
        catch (SocketException) { } // stopped: the guest is gone
        catch (ObjectDisposedException) { }
    }

    private static async Task ReportIfProbeAsync(Socket s, string consolePath, int port)
    {
        using (s)
        {
            var buffer = new byte[256];
            try
            {
                if (await s.ReceiveAsync(buffer, SocketFlags.None) == 0)
                    await File.AppendAllTextAsync(consolePath, $"summoner: accepted tcp/{port}\n", CancellationToken.None);
            }
            catch (SocketException) { }
        }
    }

    public Task DestroyAsync(string guestName, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Destroys);
        StopListeners(guestName);
        return Task.CompletedTask;
    }

    public void Crash(string guestName)
    {
        StopListeners(guestName);
        GuestExited?.Invoke(new GuestExit(guestName, GuestExitReason.Crashed));
    }

    private void StopListeners(string guestName)
    {
        foreach (var key in _listeners.Keys.Where(k => k.StartsWith(guestName + ":", StringComparison.Ordinal)).ToList())
            if (_listeners.TryRemove(key, out var l)) l.Stop();
    }

    public Task SuspendAsync(string guestName, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task ResumeAsync(string guestName, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task<GuestCounters?> GetCountersAsync(string guestName, CancellationToken cancellationToken) =>
        Task.FromResult<GuestCounters?>(new GuestCounters(Interlocked.Read(ref Counter), 0));
    public Task<IReadOnlyList<string>> ListGuestsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. _listeners.Keys.Select(k => k.Split(':')[0]).Distinct()]);

    public async Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken) =>
        [.. (await ListGuestsAsync(cancellationToken)).Select(n => new RunningGuest(n, null, null, Paused: false))];
    public bool HasExited(string guestName) => false;
    public void Adopt(RunningGuest guest) { }

    public ValueTask DisposeAsync()
    {
        foreach (var l in _listeners.Values) l.Stop();
        return ValueTask.CompletedTask;
    }
}
