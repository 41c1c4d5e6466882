using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Summoner.Engine;

namespace Summoner.Door;

/// <summary>
/// The door's UDP side: it holds each UDP port of a service's public address and relays datagrams
/// to whichever guest serves. Every client address and port gets a flow with its own socket
/// towards the guest, so a reply is sent back to the client whose datagram the guest answered.
/// In bridge mode that socket is UDP and takes replies from the guest's address only. A
/// datagram that arrives while no guest is ready summons one exactly as a DNS query does; it and
/// the flow's later datagrams wait (in order, a bounded number) and are sent once the guest is
/// ready. A summon that fails drops the datagram: UDP has no way to refuse it.
/// A loopback-style guest (QEMU user networking, here or on another host) gets no datagram at all:
/// slirp under restrict=on drops what a guest sends over UDP, so there a flow's upstream is a TCP
/// connection to the guest's forwarded tunnel port carrying length-prefixed datagrams both ways
/// (<see cref="Kernel.Net.App.UdpTunnelFrame"/>); the guest hands them to the app's UDP socket as if
/// they came from the connection's endpoint. The connection ends with the flow, and a flow whose
/// connection ended opens a new one for its next datagram.
/// </summary>
public sealed partial class ServiceDoor
{
    /// <summary>A flow without a datagram either way for this long is forgotten (as Linux conntrack does an unanswered UDP flow).</summary>
    private static readonly TimeSpan FlowIdle = TimeSpan.FromSeconds(30);

    /// <summary>Datagrams a flow keeps while its guest boots; more are dropped, as a full socket buffer would.</summary>
    private const int FlowQueue = 64;

    /// <summary>Flows one port keeps at once; datagrams from further clients are dropped until one ends.</summary>
    private const int MaxFlows = 4096;

    private const int MaxDatagram = 65_535;

    /// <summary>How long opening a tunnel connection may take: the flow's datagrams wait behind it (a
    /// forward on this machine answers at once; a remote host that stopped answering must not hold the flow for minutes).</summary>
    private static readonly TimeSpan TunnelConnectWait = TimeSpan.FromSeconds(5);

    private readonly List<DatagramEntrance> _datagramEntrances = [];

    private sealed class DatagramEntrance(ServiceOwner owner, Socket socket, IPAddress address, int port) : IEntrance
    {
        public ServiceOwner Owner { get; } = owner;
        public Socket Socket { get; } = socket;
        public IPAddress Address { get; } = address;
        public int Port { get; } = port;
        public Dictionary<IPEndPoint, Flow> Flows { get; } = [];
    }

    private sealed class Flow(IPEndPoint client)
    {
        public IPEndPoint Client { get; } = client;
        public Channel<byte[]> Pending { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(FlowQueue) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        public Socket? Upstream;
        public IPAddress? Guest;
        /// <summary>The upstream is a TCP tunnel connection (framed datagrams), not a UDP socket.</summary>
        public bool Tunneled;
        public long LastReplyTicks;
    }

    /// <summary>Flow and reply tasks still running, so disposal waits for them; each removes itself when done.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, bool> _flows = new();

    private void Track(Task task)
    {
        _flows.TryAdd(task, true);
        _ = task.ContinueWith(t => _flows.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private DatagramEntrance OpenDatagram(ServiceOwner owner, IPAddress address, int port)
    {
        var endpoint = new IPEndPoint(address, port);
        // After a restart the keeper's socket comes back with the datagrams queued in it meanwhile.
        Socket? socket = _kept?.TakeBack(ProtocolType.Udp, endpoint);
        if (socket is null)
        {
            socket = _datagramSockets(address.AddressFamily);
            try
            {
                socket.Bind(endpoint);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        _kept?.Keep(ProtocolType.Udp, endpoint, socket);
        _traffic.TryAdd(owner, new Traffic());
        return new DatagramEntrance(owner, socket, address, port);
    }

    private async Task ReceiveLoopAsync(DatagramEntrance entrance)
    {
        byte[] buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(entrance.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await entrance.Socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { return; }
            catch (SocketException ex)
            {
                // An ICMP error for an earlier reply, or a datagram too large: the port stays open.
                _log.LogDebug("door {Service}:{Port}/udp: receive failed: {Message}", entrance.Owner.Spec.Name, entrance.Port, ex.Message);
                continue;
            }
            var client = (IPEndPoint)received.RemoteEndPoint;
            byte[] datagram = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            entrance.Owner.NoteActivity();
            lock (entrance.Flows)
            {
                if (!entrance.Flows.TryGetValue(client, out Flow? flow))
                {
                    if (entrance.Flows.Count >= MaxFlows) continue;
                    flow = new Flow(client);
                    entrance.Flows.Add(client, flow);
                    Flow started = flow;
                    Track(Task.Run(() => FlowAsync(entrance, started)));
                }
                flow.Pending.Writer.TryWrite(datagram);
            }
        }
    }

    /// <summary>Sends one flow's datagrams to the current guest, summoning it when there is none; ends when the flow goes idle.</summary>
    private async Task FlowAsync(DatagramEntrance entrance, Flow flow)
    {
        ServiceOwner owner = entrance.Owner;
        Traffic traffic = _traffic[owner];
        try
        {
            while (true)
            {
                byte[] datagram;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    idle.CancelAfter(FlowIdle);
                    try
                    {
                        datagram = await flow.Pending.Reader.ReadAsync(idle.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
                    {
                        if (Stopwatch.GetElapsedTime(Interlocked.Read(ref flow.LastReplyTicks)) < FlowIdle) continue;
                        lock (entrance.Flows)
                        {
                            // A datagram queued just now keeps the flow; otherwise no one can reach it after this.
                            if (flow.Pending.Reader.Count > 0) continue;
                            entrance.Flows.Remove(flow.Client);
                        }
                        return;
                    }
                }
                if (await GuestForAsync(entrance, flow).ConfigureAwait(false) is not { } upstream) continue;
                try
                {
                    if (flow.Tunneled) await SendFrameAsync(upstream, entrance.Port, datagram).ConfigureAwait(false);
                    else await upstream.SendToAsync(datagram, SocketFlags.None, new IPEndPoint(flow.Guest!, entrance.Port), _stopping.Token).ConfigureAwait(false);
                    Interlocked.Add(ref traffic.Bytes, datagram.Length);
                }
                catch (Exception ex) when (ex is SocketException || (ex is ObjectDisposedException && !_stopping.IsCancellationRequested))
                {
                    // (Disposed: the tunnel's reply side saw the connection end meanwhile.)
                    // The datagram is lost; the next one gets a fresh socket (and a guest, summoned if need be).
                    _log.LogDebug("door {Service}:{Port}/udp: send to the guest failed: {Message}", owner.Spec.Name, entrance.Port, ex.Message);
                    flow.Guest = null;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            flow.Upstream?.Dispose();
        }
    }

    /// <summary>The flow's socket towards the ready guest (a new one when the guest changed); null when no guest became ready, and the datagram is dropped.</summary>
    private async Task<Socket?> GuestForAsync(DatagramEntrance entrance, Flow flow)
    {
        ServiceOwner owner = entrance.Owner;
        TimeSpan deadline = _engine.Options.CapWait + owner.Spec.BootDeadline;
        var waited = Stopwatch.StartNew();
        Task<SummonOutcome> summon = owner.SummonAsync(SummonTrigger.Datagram, client: null);
        bool held = !summon.IsCompleted;
        if (held)
        {
            _metrics.DoorHeld.WithLabels(owner.Spec.Name).Inc();
            _metrics.DoorHolding.Inc();
        }
        SummonOutcome outcome;
        try
        {
            outcome = await summon.WaitAsync(deadline, _stopping.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            outcome = SummonOutcome.Fail(SummonFailure.Deadline, $"not ready within {deadline.TotalMilliseconds:0} ms");
        }
        finally
        {
            if (held) _metrics.DoorHolding.Dec();
        }
        if (outcome.Address is not { } address)
        {
            _metrics.DoorRefused.WithLabels(owner.Spec.Name, Reason(outcome.Failure)).Inc();
            _log.LogWarning("{Service}: dropped a datagram on port {Port}/udp after {Ms:F1} ms without a guest ({Reason}): {Detail}",
                owner.Spec.Name, entrance.Port, waited.Elapsed.TotalMilliseconds, Reason(outcome.Failure), outcome.Detail ?? outcome.Failure.ToString());
            return null;
        }
        if (flow.Upstream is { } current && address.Equals(Volatile.Read(ref flow.Guest))) return current;
        flow.Upstream?.Dispose();
        flow.Upstream = null;
        if (outcome.Network is LoopbackNetwork) return await TunnelForAsync(entrance, flow, address, held, waited).ConfigureAwait(false);
        Socket upstream = _datagramSockets(address.AddressFamily);
        try
        {
            upstream.Bind(new IPEndPoint(address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        }
        catch
        {
            upstream.Dispose();
            throw;
        }
        flow.Upstream = upstream;
        flow.Guest = address;
        flow.Tunneled = false;
        if (held) _log.LogInformation("{Service}: held a datagram on port {Port}/udp for {Ms:F1} ms until a guest was ready", owner.Spec.Name, entrance.Port, waited.Elapsed.TotalMilliseconds);
        Track(Task.Run(() => RelayRepliesAsync(entrance, flow, upstream, address)));
        return upstream;
    }

    /// <summary>Sends what the guest answers on the flow's socket back to the flow's client, from the service's public address and port.</summary>
    private async Task RelayRepliesAsync(DatagramEntrance entrance, Flow flow, Socket upstream, IPAddress guest)
    {
        byte[] buffer = new byte[MaxDatagram];
        Traffic traffic = _traffic[entrance.Owner];
        EndPoint any = new IPEndPoint(guest.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult r = await upstream.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
                IPAddress from = ((IPEndPoint)r.RemoteEndPoint).Address;
                if (!from.Equals(guest)) continue;
                int n = r.ReceivedBytes;
                Interlocked.Exchange(ref flow.LastReplyTicks, Stopwatch.GetTimestamp());
                await entrance.Socket.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, flow.Client, _stopping.Token).ConfigureAwait(false);
                Interlocked.Add(ref traffic.Bytes, n);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { return; }
            catch (SocketException ex)
            {
                // The client's port is gone (an ICMP error on the door's socket) or the buffer was full: the reply is lost, as UDP allows.
                _log.LogDebug("door {Service}:{Port}/udp: relaying a reply failed: {Message}", entrance.Owner.Spec.Name, entrance.Port, ex.Message);
                if (!ReferenceEquals(flow.Upstream, upstream)) return;
                await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A new tunnel connection to the guest's <c>udp_tunnel</c> port for the flow; null (the datagram is dropped) when it cannot be opened.</summary>
    private async Task<Socket?> TunnelForAsync(DatagramEntrance entrance, Flow flow, IPAddress address, bool held, Stopwatch waited)
    {
        var tunnel = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        wait.CancelAfter(TunnelConnectWait);
        try
        {
            await tunnel.ConnectAsync(new IPEndPoint(address, Kernel.Net.App.UdpTunnelFrame.DefaultPort), wait.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !_stopping.IsCancellationRequested))
        {
            tunnel.Dispose();
            _log.LogWarning("{Service}: dropped a datagram on port {Port}/udp: the guest's UDP tunnel at {Address}:{TunnelPort} did not take a connection: {Message}",
                entrance.Owner.Spec.Name, entrance.Port, address, Kernel.Net.App.UdpTunnelFrame.DefaultPort, ex.Message);
            return null;
        }
        catch
        {
            tunnel.Dispose();
            throw;
        }
        flow.Upstream = tunnel;
        flow.Tunneled = true;
        Volatile.Write(ref flow.Guest, address);
        if (held) _log.LogInformation("{Service}: held a datagram on port {Port}/udp for {Ms:F1} ms until a guest was ready", entrance.Owner.Spec.Name, entrance.Port, waited.Elapsed.TotalMilliseconds);
        Track(Task.Run(() => RelayTunnelRepliesAsync(entrance, flow, tunnel)));
        return tunnel;
    }

    private async Task SendFrameAsync(Socket tunnel, int port, byte[] datagram)
    {
        // One buffer, so header and payload leave in one segment.
        byte[] frame = new byte[Kernel.Net.App.UdpTunnelFrame.HeaderLength + datagram.Length];
        Kernel.Net.App.UdpTunnelFrame.WriteHeader(frame, datagram.Length, (ushort)port);
        datagram.CopyTo(frame, Kernel.Net.App.UdpTunnelFrame.HeaderLength);
        for (int sent = 0; sent < frame.Length;)
            sent += await tunnel.SendAsync(frame.AsMemory(sent), SocketFlags.None, _stopping.Token).ConfigureAwait(false);
    }

    /// <summary>Sends the datagrams the guest frames on the tunnel connection back to the flow's client; when the
    /// connection ends (or breaks the framing) the flow forgets it, and its next datagram opens another.</summary>
    private async Task RelayTunnelRepliesAsync(DatagramEntrance entrance, Flow flow, Socket tunnel)
    {
        byte[] header = new byte[Kernel.Net.App.UdpTunnelFrame.HeaderLength];
        byte[] buffer = new byte[Kernel.Net.App.UdpTunnelFrame.MaxPayload];
        Traffic traffic = _traffic[entrance.Owner];
        try
        {
            while (await ReadExactlyAsync(tunnel, header).ConfigureAwait(false))
            {
                long length = Kernel.Net.App.UdpTunnelFrame.ReadLength(header);
                if (length > Kernel.Net.App.UdpTunnelFrame.MaxPayload)
                {
                    _log.LogWarning("{Service}: the guest framed a {Length}-byte datagram on its UDP tunnel (at most {Max}): closed that flow's connection", entrance.Owner.Spec.Name, length, Kernel.Net.App.UdpTunnelFrame.MaxPayload);
                    break;
                }
                Memory<byte> payload = buffer.AsMemory(0, (int)length);
                if (!await ReadExactlyAsync(tunnel, payload).ConfigureAwait(false)) break;
                // A reply from another of the guest's UDP ports has no client here: the flow is this port's.
                if (Kernel.Net.App.UdpTunnelFrame.ReadPort(header) != entrance.Port) continue;
                Interlocked.Exchange(ref flow.LastReplyTicks, Stopwatch.GetTimestamp());
                try
                {
                    await entrance.Socket.SendToAsync(payload, SocketFlags.None, flow.Client, _stopping.Token).ConfigureAwait(false);
                    Interlocked.Add(ref traffic.Bytes, payload.Length);
                }
                catch (SocketException ex)
                {
                    _log.LogDebug("door {Service}:{Port}/udp: relaying a reply failed: {Message}", entrance.Owner.Spec.Name, entrance.Port, ex.Message);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { return; }
        catch (SocketException ex)
        {
            _log.LogDebug("door {Service}:{Port}/udp: the tunnel connection broke: {Message}", entrance.Owner.Spec.Name, entrance.Port, ex.Message);
        }
        // The flow's next datagram opens a new connection (GuestForAsync sees no guest for it).
        if (ReferenceEquals(flow.Upstream, tunnel)) Volatile.Write(ref flow.Guest, null);
        tunnel.Dispose();
    }

    /// <summary>Fills <paramref name="into"/>; false at the end of the stream.</summary>
    private async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> into)
    {
        for (int have = 0; have < into.Length;)
        {
            int n = await socket.ReceiveAsync(into[have..], SocketFlags.None, _stopping.Token).ConfigureAwait(false);
            if (n == 0) return false;
            have += n;
        }
        return true;
    }
}
