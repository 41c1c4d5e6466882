using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kernel.Net.App;
using Microsoft.Extensions.Logging;
using Summoner.Engine;
using Summoner.Metrics;

namespace Summoner.Egress;

/// <summary>
/// Every outbound connection of a guest whose service has egress goes through here
/// (<see cref="EgressLine"/> is the protocol). Once such a guest is ready the broker opens a
/// control channel to its egress port; each request on it is checked against the service's egress
/// list as the configuration has it now (so a reload reaches a running guest), dialled on the host
/// (<see cref="EgressDialer"/>), and handed to the guest as a new connection to the same port,
/// whose bytes the broker relays both ways. The guest itself cannot reach anything: QEMU's user
/// networking stays restrict=on, so this list is the whole policy, the same in loopback and bridge
/// mode.
/// </summary>
public sealed class EgressBroker : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    /// <summary>How long the broker keeps trying to reach a ready guest's egress port: QEMU's forwarder
    /// accepts before the guest does, so a connection can come and go until the guest's stack takes one.</summary>
    private static readonly TimeSpan AttachDeadline = TimeSpan.FromSeconds(10);

    /// <summary>A dial that outlasts this is given up: the guest's own connect_timeout_ms is usually shorter.</summary>
    private static readonly TimeSpan DialDeadline = TimeSpan.FromSeconds(60);

    private readonly SummonEngine _engine;
    private readonly SummonerMetrics _metrics;
    private readonly ILogger _log;
    private readonly EgressDialer _dialer;
    private readonly Func<AddressFamily, Socket> _guestSockets;
    private readonly ConcurrentDictionary<string, Socket> _controls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _attached = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _work = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <param name="guestSockets">Makes sockets that reach guests (bridge mode in a namespace needs them made there); null: this namespace.</param>
    /// <param name="serviceSockets">Makes sockets that reach the services' entrances (the door's addresses); null: this namespace.</param>
    /// <param name="zone">Summoner's zone (its names are services, never asked of the host's resolver).</param>
    public EgressBroker(SummonEngine engine, SummonerMetrics metrics, ILogger log, Func<AddressFamily, Socket>? guestSockets = null, Func<AddressFamily, Socket>? serviceSockets = null, string? zone = null)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _guestSockets = guestSockets ?? (f => new Socket(f, SocketType.Stream, ProtocolType.Tcp));
        _dialer = new EgressDialer(engine, zone, serviceSockets);
    }

    /// <summary>A guest of <paramref name="service"/> became ready: attach to it if the service has egress. Returns at once.</summary>
    public void GuestReady(string service)
    {
        if (_stopping.IsCancellationRequested) return;
        // Off the caller's thread: the engine calls this inside its state transition, where a look
        // at the service table (which a reload may be changing) must not happen.
        Track(Task.Run(() =>
        {
            ServiceOwner? owner = _engine.Services.FirstOrDefault(s => s.Spec.Name == service);
            if (owner is null || owner.Spec.Egress.Count == 0 || owner.GuestName is not { } guest || owner.Network is not { } network) return Task.CompletedTask;
            // One channel per guest: a second one would replace the first in the guest.
            return _attached.TryAdd(guest, true) ? AttachAsync(owner, guest, network.ServiceAddress) : Task.CompletedTask;
        }));
    }

    private void Track(Task task)
    {
        _work.TryAdd(task, true);
        _ = task.ContinueWith(t => _work.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task AttachAsync(ServiceOwner owner, string guest, IPAddress address)
    {
        var endpoint = new IPEndPoint(address, ServiceSpec.EgressPort);
        Socket? control = null;
        LineReader? reader = null;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (control is null)
            {
                if (owner.GuestName != guest) return; // gone before it ever answered
                (control, reader) = await TryOpenControlAsync(endpoint, owner.Spec.EgressToken).ConfigureAwait(false);
                if (control is not null) break;
                if (waited.Elapsed > AttachDeadline)
                {
                    _log.LogWarning("egress: {Service}: guest {Guest} did not answer on its egress port {Port} within {Seconds:0} s: its outbound connections will time out (is the image built with this Summoner's SDK?)",
                        owner.Spec.Name, guest, ServiceSpec.EgressPort, AttachDeadline.TotalSeconds);
                    return;
                }
                await Task.Delay(50, _stopping.Token).ConfigureAwait(false);
            }
            _controls[guest] = control;
            _log.LogInformation("egress: {Service}: broker attached to guest {Guest} in {Ms:F1} ms", owner.Spec.Name, guest, waited.Elapsed.TotalMilliseconds);
            await ServeControlAsync(owner, control, reader!, endpoint).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException) { }
        finally
        {
            _controls.TryRemove(guest, out _);
            _attached.TryRemove(guest, out _);
            control?.Dispose();
        }
    }

    /// <summary>The control channel once the guest said it is there, else null.</summary>
    private async Task<(Socket?, LineReader?)> TryOpenControlAsync(IPEndPoint endpoint, string token)
    {
        Socket socket = _guestSockets(endpoint.AddressFamily);
        try
        {
            socket.NoDelay = true;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            attempt.CancelAfter(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(endpoint, attempt.Token).ConfigureAwait(false);
            await SendLineAsync(socket, EgressLine.FormatControl(token), attempt.Token).ConfigureAwait(false);
            var reader = new LineReader(socket);
            if (await reader.ReadLineAsync(attempt.Token).ConfigureAwait(false) == EgressLine.Ready) return (socket, reader);
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !_stopping.IsCancellationRequested)) { }
        socket.Dispose();
        return (null, null);
    }

    private async Task ServeControlAsync(ServiceOwner owner, Socket control, LineReader reader, IPEndPoint guest)
    {
        // Not disposed: requests still being dialled answer on it after the channel ends.
        var writing = new SemaphoreSlim(1);
        while (await reader.ReadLineAsync(_stopping.Token).ConfigureAwait(false) is { } line)
        {
            if (!EgressLine.TryParseConnect(line, out int id, out string host, out ushort port))
            {
                _log.LogWarning("egress: {Service}: the guest sent a line that is not a request; closing its control channel", owner.Spec.Name);
                return;
            }
            Track(Task.Run(() => HandleAsync(owner, control, writing, guest, id, host, port)));
        }
    }

    private async Task HandleAsync(ServiceOwner owner, Socket control, SemaphoreSlim writing, IPEndPoint guest, int id, string host, int port)
    {
        string service = owner.Spec.Name;
        string target = $"{host}:{port}";
        // The latest list, not the one the guest was made with: a reload that adds or takes away a
        // destination applies to a running guest's next connect (connections already relayed stay).
        if (EgressPolicy.Refusal(owner.LatestSpec, host, port) is { } refusal)
        {
            _metrics.EgressConnections.WithLabels(service, "refused").Inc();
            _log.LogWarning("egress: {Service}: refused {Target}: {Reason}", service, target, refusal);
            await RefuseAsync(control, writing, id, refusal).ConfigureAwait(false);
            return;
        }
        Socket outbound;
        var dialled = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(DialDeadline);
            outbound = await _dialer.DialAsync(host, port, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            _metrics.EgressConnections.WithLabels(service, "failed").Inc();
            string why = ex is SocketException s ? s.Message : "no connection within " + DialDeadline.TotalSeconds + " s";
            _log.LogWarning("egress: {Service}: cannot connect to {Target}: {Reason}", service, target, why);
            await RefuseAsync(control, writing, id, $"cannot connect to {target}: {why}").ConfigureAwait(false);
            return;
        }
        Socket? inbound = null;
        try
        {
            inbound = _guestSockets(guest.AddressFamily);
            inbound.NoDelay = true;
            await inbound.ConnectAsync(guest, _stopping.Token).ConfigureAwait(false);
            await SendLineAsync(inbound, EgressLine.FormatData(id, owner.Spec.EgressToken), _stopping.Token).ConfigureAwait(false);
            _metrics.EgressConnections.WithLabels(service, "relayed").Inc();
            _log.LogInformation("egress: {Service}: connected to {Target} in {Ms:F1} ms", service, target, dialled.Elapsed.TotalMilliseconds);
            await RelayAsync(owner, inbound, outbound).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException) { }
        finally
        {
            inbound?.Dispose();
            outbound.Dispose();
        }
    }

    private async Task RefuseAsync(Socket control, SemaphoreSlim writing, int id, string reason)
    {
        await writing.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            await SendLineAsync(control, EgressLine.FormatRefused(id, reason), _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { } // the guest went away: nobody to tell
        finally
        {
            writing.Release();
        }
    }

    private static async Task SendLineAsync(Socket socket, string line, CancellationToken cancellationToken)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(line + "\n");
        for (int sent = 0; sent < bytes.Length;)
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies both ways; an end of stream is passed on as a half-close, an error closes both.
    /// Bytes moving count as the service's activity: a guest busy talking out is not idle.</summary>
    private static async Task RelayAsync(ServiceOwner owner, Socket guest, Socket outbound)
    {
        Task<bool> up = PumpAsync(guest, outbound, owner);
        Task<bool> down = PumpAsync(outbound, guest, owner);
        if (!await await Task.WhenAny(up, down).ConfigureAwait(false))
        {
            guest.Dispose();
            outbound.Dispose();
        }
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    private static async Task<bool> PumpAsync(Socket from, Socket to, ServiceOwner owner)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                owner.NoteActivity();
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return true;
                }
                for (int sent = 0; sent < n;)
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None).ConfigureAwait(false);
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

    /// <summary>Closes every control channel; relayed connections end with their sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (Socket control in _controls.Values) control.Dispose();
        try
        {
            await Task.WhenAll(_work.Keys).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException) { }
        _stopping.Dispose();
    }

    /// <summary>Reads '\n'-terminated lines of at most <see cref="EgressLine.MaxLength"/> bytes; null at end of stream.</summary>
    private sealed class LineReader(Socket socket)
    {
        private readonly byte[] _buffer = new byte[EgressLine.MaxLength];
        private int _length;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                int end = Array.IndexOf(_buffer, (byte)'\n', 0, _length);
                if (end >= 0)
                {
                    string line = Encoding.ASCII.GetString(_buffer, 0, end);
                    Array.Copy(_buffer, end + 1, _buffer, 0, _length - end - 1);
                    _length -= end + 1;
                    return line;
                }
                if (_length == _buffer.Length) throw new IOException("a line longer than the egress protocol allows");
                int n = await socket.ReceiveAsync(_buffer.AsMemory(_length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0) return null;
                _length += n;
            }
        }
    }
}
