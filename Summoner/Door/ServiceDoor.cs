using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Summoner.Engine;
using Summoner.Metrics;

namespace Summoner.Door;

/// <summary>
/// Holds every service's public address and ports for the daemon's lifetime (loopback and bridge
/// mode, and with [[host]] entries when [placement] entrance = "door") and relays each connection to
/// whichever guest serves the service, on this machine or on the host placement chose. A
/// connection that arrives while no guest is ready summons one exactly as a DNS query does (same single-flight boot, caps and
/// deadline), waits, then reaches the guest; what the client sent meanwhile waits in the kernel's
/// receive buffer and goes first, in order. A client that cached an old answer is therefore never
/// refused: the address it holds is the door's, not a guest's. UDP ports are held too
/// (ServiceDoor.Datagrams.cs).
/// </summary>
public sealed partial class ServiceDoor : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly SummonEngine _engine;
    private readonly SummonerMetrics _metrics;
    private readonly ILogger _log;
    private readonly List<Entrance> _entrances = [];
    private readonly List<Task> _work = [];
    private readonly CancellationTokenSource _stopping = new();
    // Written by a reload while connections read it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ServiceOwner, Traffic> _traffic = new();
    private Task? _activity;

    /// <summary>Per service: connections open through the door and bytes relayed (idleness is read from these).</summary>
    private sealed class Traffic
    {
        public int Open;
        public long Bytes;
        public long BytesSeen;
    }

    /// <summary>A socket the door holds for one service address and port (TCP listener or UDP socket).</summary>
    private interface IEntrance
    {
        ServiceOwner Owner { get; }
        IPAddress Address { get; }
        int Port { get; }
        Socket Socket { get; }
    }

    private sealed record Entrance(ServiceOwner Owner, Socket Listener, IPAddress Address, int Port) : IEntrance
    {
        Socket IEntrance.Socket => Listener;

        /// <summary>
        /// QEMU's user-net forwarder listens with a backlog of one: a burst of held connections
        /// released together at readiness overflows it, and a dropped SYN costs a 1 s (then 3 s,
        /// 7 s...) retransmit. Connects to the guest go a few at a time instead.
        /// </summary>
        public SemaphoreSlim Connects { get; } = new(4);
    }

    /// <summary>A connect the forwarder's queue did not take in this long is retried with a fresh SYN, not left to the kernel's 1 s retransmit.</summary>
    private static readonly TimeSpan ConnectTry = TimeSpan.FromMilliseconds(250);

    private readonly Func<AddressFamily, Socket> _sockets;
    private readonly Func<AddressFamily, Socket> _datagramSockets;
    private readonly Keeper.IListeningSockets? _kept;

    /// <param name="sockets">Makes the door's sockets (bridge mode in a namespace needs them made there); null: this namespace.</param>
    /// <param name="datagramSockets">The same for UDP sockets.</param>
    /// <param name="kept">Where entrances are taken back from after a restart and kept across a crash (the keeper); null: neither.</param>
    public ServiceDoor(SummonEngine engine, SummonerMetrics metrics, ILogger log, Func<AddressFamily, Socket>? sockets = null, Func<AddressFamily, Socket>? datagramSockets = null,
        Keeper.IListeningSockets? kept = null)
    {
        _kept = kept;
        _datagramSockets = datagramSockets ?? (family => new Socket(family, SocketType.Dgram, ProtocolType.Udp));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _sockets = sockets ?? (family => new Socket(family, SocketType.Stream, ProtocolType.Tcp));
        // A changed service's old ports and address stay open while its old guest runs; once the new
        // spec takes over, the door lets go of what no spec names any more.
        _engine.PendingSpecApplied += () =>
        {
            foreach (string problem in Reconcile()) _log.LogWarning("door: {Problem}", problem);
        };
    }

    /// <summary>Binds every service's public address on all its ports; throws <see cref="SocketException"/> if one is taken.</summary>
    public void Start()
    {
        lock (_entrances)
        {
            foreach ((ServiceOwner owner, IPAddress address, int port) in Wanted(s => s.Ports))
                _entrances.Add(Open(owner, address, port));
            foreach ((ServiceOwner owner, IPAddress address, int port) in Wanted(s => s.UdpPorts))
                _datagramEntrances.Add(OpenDatagram(owner, address, port));
            foreach (Entrance e in _entrances) _work.Add(Task.Run(() => AcceptLoopAsync(e)));
            foreach (DatagramEntrance e in _datagramEntrances) _work.Add(Task.Run(() => ReceiveLoopAsync(e)));
        }
        _activity = Task.Run(() => ReportActivityAsync(_stopping.Token));
    }

    /// <summary>
    /// After a reload: opens the addresses and ports of services added or changed, closes those no
    /// service holds any more (a removed service's stay until its guest is drained: clients may still
    /// use an answer they got before). Returns one line per address that could not be bound; the
    /// other entrances are opened all the same.
    /// </summary>
    public IReadOnlyList<string> Reconcile()
    {
        var problems = new List<string>();
        lock (_entrances)
        {
            if (_stopping.IsCancellationRequested) return problems;
            ReconcileEntrances(_entrances, s => s.Ports, Open, AcceptLoopAsync, "listen on", "", problems);
            ReconcileEntrances(_datagramEntrances, s => s.UdpPorts, OpenDatagram, ReceiveLoopAsync, "receive on", "/udp", problems);
            foreach (ServiceOwner gone in _traffic.Keys.Where(o => !_entrances.Any(e => e.Owner == o) && !_datagramEntrances.Any(e => e.Owner == o)).ToList()) _traffic.TryRemove(gone, out _);
        }
        return problems;
    }

    /// <summary>Every address and port of one protocol (<paramref name="ports"/>: TCP or UDP) the door should hold:
    /// configured services' (the spec a running guest was made from and the one it waits to use) and draining ones'.</summary>
    private IEnumerable<(ServiceOwner, IPAddress, int)> Wanted(Func<ServiceSpec, IReadOnlyList<int>> ports)
    {
        foreach (ServiceOwner owner in _engine.Services.Concat(_engine.Draining))
        {
            foreach (ServiceSpec spec in new[] { owner.Spec, owner.LatestSpec }.Distinct())
            {
                if (spec.PublicAddress is not { } address) continue;
                foreach (int port in ports(spec)) yield return (owner, address, port);
            }
        }
    }

    /// <summary>Closes the entrances of one protocol that no service wants any more and opens the new ones (caller holds the entrances' lock).</summary>
    private void ReconcileEntrances<T>(List<T> entrances, Func<ServiceSpec, IReadOnlyList<int>> ports, Func<ServiceOwner, IPAddress, int, T> open,
        Func<T, Task> loop, string verb, string suffix, List<string> problems) where T : IEntrance
    {
        var wanted = Wanted(ports).ToHashSet();
        foreach (T e in entrances.Where(e => !wanted.Contains((e.Owner, e.Address, e.Port))).ToList())
        {
            // The keeper's copy goes first, or the port would go on accepting into a backlog no one reads.
            _kept?.Drop(e.Socket.ProtocolType, new IPEndPoint(e.Address, e.Port));
            // Its loop ends on the disposed socket; connections and flows already relayed go on.
            e.Socket.Dispose();
            entrances.Remove(e);
        }
        foreach ((ServiceOwner owner, IPAddress address, int port) in wanted)
        {
            if (entrances.Any(e => e.Owner == owner && e.Address.Equals(address) && e.Port == port)) continue;
            T entrance;
            try
            {
                entrance = open(owner, address, port);
            }
            catch (SocketException ex)
            {
                problems.Add($"service {owner.Spec.Name}: cannot {verb} {address}:{port}{suffix}: {ex.Message}");
                continue;
            }
            entrances.Add(entrance);
            _work.RemoveAll(t => t.IsCompleted);
            _work.Add(Task.Run(() => loop(entrance)));
        }
    }

    private Entrance Open(ServiceOwner owner, IPAddress address, int port)
    {
        var endpoint = new IPEndPoint(address, port);
        // After a restart the keeper's listener comes back with the connections it queued meanwhile.
        Socket? listener = _kept?.TakeBack(ProtocolType.Tcp, endpoint);
        if (listener is null)
        {
            listener = _sockets(address.AddressFamily);
            try
            {
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Bind(endpoint);
                listener.Listen(1024);
            }
            catch
            {
                listener.Dispose();
                throw;
            }
        }
        _kept?.Keep(ProtocolType.Tcp, endpoint, listener);
        _traffic.TryAdd(owner, new Traffic());
        return new Entrance(owner, listener, address, port);
    }

    private async Task AcceptLoopAsync(Entrance entrance)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await entrance.Listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { return; }
            catch (SocketException ex)
            {
                // Out of descriptors or an aborted handshake: keep the door open.
                _log.LogDebug("door {Service}:{Port}: accept failed: {Message}", entrance.Owner.Spec.Name, entrance.Port, ex.Message);
                continue;
            }
            _ = Task.Run(() => ServeAsync(entrance, client));
        }
    }

    private async Task ServeAsync(Entrance entrance, Socket client)
    {
        ServiceOwner owner = entrance.Owner;
        Traffic traffic = _traffic.GetOrAdd(owner, _ => new Traffic());
        Interlocked.Increment(ref traffic.Open);
        owner.NoteActivity();
        Socket? guest = null;
        try
        {
            client.NoDelay = true;
            guest = await ReachGuestAsync(entrance, client).ConfigureAwait(false);
            if (guest is null) return;
            await SpliceAsync(client, guest, traffic).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException) { }
        finally
        {
            guest?.Dispose();
            client.Dispose();
            Interlocked.Decrement(ref traffic.Open);
            owner.NoteActivity();
        }
    }

    /// <summary>Summons (if need be) and connects to the guest; on failure closes the client with a reset and returns null.</summary>
    private async Task<Socket?> ReachGuestAsync(Entrance entrance, Socket client)
    {
        ServiceOwner owner = entrance.Owner;
        // A held connection waits as long as a summon may: room under a cap, then the boot.
        TimeSpan deadline = _engine.Options.CapWait + owner.Spec.BootDeadline;
        var waited = Stopwatch.StartNew();
        bool held = false;
        try
        {
            while (true)
            {
                Task<SummonOutcome> summon = owner.SummonAsync(SummonTrigger.Connect, client: null);
                if (!summon.IsCompleted && !held)
                {
                    held = true;
                    _metrics.DoorHeld.WithLabels(owner.Spec.Name).Inc();
                    _metrics.DoorHolding.Inc();
                }
                SummonOutcome outcome;
                TimeSpan left = deadline - waited.Elapsed;
                try
                {
                    outcome = left <= TimeSpan.Zero
                        ? SummonOutcome.Fail(SummonFailure.Deadline, "no guest within the deadline")
                        : await summon.WaitAsync(left, _stopping.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    outcome = SummonOutcome.Fail(SummonFailure.Deadline, $"not ready within {deadline.TotalMilliseconds:0} ms");
                }
                if (outcome.Address is not { } address)
                {
                    Refuse(entrance, client, Reason(outcome.Failure), outcome.Detail ?? outcome.Failure.ToString(), waited.Elapsed);
                    return null;
                }
                Socket guest = _sockets(address.AddressFamily);
                guest.NoDelay = true;
                await entrance.Connects.WaitAsync(_stopping.Token).ConfigureAwait(false);
                try
                {
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                    attempt.CancelAfter(ConnectTry);
                    await guest.ConnectAsync(new IPEndPoint(address, entrance.Port), attempt.Token).ConfigureAwait(false);
                    if (held) _log.LogInformation("{Service}: held a connection on port {Port} for {Ms:F1} ms until a guest was ready", owner.Spec.Name, entrance.Port, waited.Elapsed.TotalMilliseconds);
                    return guest;
                }
                catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !_stopping.IsCancellationRequested))
                {
                    guest.Dispose();
                    // Refused: the guest went away between the answer and the connect (reaped, crashed): summon again.
                    // Timed out on a guest whose host stopped answering: the summon returns it until the host is
                    // marked down, then places a new guest elsewhere, so the client is held through the failover.
                    if (waited.Elapsed >= deadline)
                    {
                        Refuse(entrance, client, "unreachable", ex.Message, waited.Elapsed);
                        return null;
                    }
                    if (ex is SocketException) await Task.Delay(50, _stopping.Token).ConfigureAwait(false);
                }
                finally
                {
                    entrance.Connects.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            Refuse(entrance, client, "stopping", "summoner is shutting down", waited.Elapsed);
            return null;
        }
        finally
        {
            if (held) _metrics.DoorHolding.Dec();
        }
    }

    private static string Reason(SummonFailure failure) => failure switch
    {
        SummonFailure.Deadline => "deadline",
        SummonFailure.Cap => "cap",
        SummonFailure.Backoff => "backoff",
        SummonFailure.Stopping => "stopping",
        SummonFailure.Removed => "removed",
        _ => "boot_failed",
    };

    /// <summary>A reset, not a silent close: the client learns at once, and nothing it sent is taken as served.</summary>
    private void Refuse(Entrance entrance, Socket client, string reason, string detail, TimeSpan waited)
    {
        _metrics.DoorRefused.WithLabels(entrance.Owner.Spec.Name, reason).Inc();
        _log.LogWarning("{Service}: closed a connection on port {Port} after {Ms:F1} ms without a guest ({Reason}): {Detail}",
            entrance.Owner.Spec.Name, entrance.Port, waited.TotalMilliseconds, reason, detail);
        try { client.LingerState = new LingerOption(true, 0); }
        catch (SocketException) { }
        client.Close();
    }

    /// <summary>Copies both ways; an end of stream is passed on as a half-close, an error closes both.</summary>
    private static async Task SpliceAsync(Socket client, Socket guest, Traffic traffic)
    {
        Task<bool> up = PumpAsync(client, guest, traffic);
        Task<bool> down = PumpAsync(guest, client, traffic);
        Task<bool> first = await Task.WhenAny(up, down).ConfigureAwait(false);
        if (!await first.ConfigureAwait(false))
        {
            client.Dispose();
            guest.Dispose();
        }
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    private static async Task<bool> PumpAsync(Socket from, Socket to, Traffic traffic)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return true;
                }
                for (int sent = 0; sent < n;)
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None).ConfigureAwait(false);
                Interlocked.Add(ref traffic.Bytes, n);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Tells the engine a service is busy while the door relays for it (a connection open or bytes
    /// moving), more often than the reaper looks, so an open connection is never reaped under.
    /// </summary>
    private async Task ReportActivityAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                foreach (var (owner, t) in _traffic)
                {
                    long bytes = Interlocked.Read(ref t.Bytes);
                    if (Volatile.Read(ref t.Open) > 0 || bytes != t.BytesSeen) owner.NoteActivity();
                    t.BytesSeen = bytes;
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Closes the listeners: held connections are reset, relayed ones end when their guest goes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] work;
        lock (_entrances)
        {
            foreach (Entrance e in _entrances) e.Listener.Dispose();
            foreach (DatagramEntrance e in _datagramEntrances) e.Socket.Dispose();
            work = [.. _work];
        }
        await Task.WhenAll(work).ConfigureAwait(false);
        await Task.WhenAll(_flows.Keys).ConfigureAwait(false);
        if (_activity is not null) await _activity.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
