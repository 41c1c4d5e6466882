using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Summoner.Dns.Zones;

namespace Summoner.Dns;

/// <summary>
/// Authoritative DNS over UDP and TCP on one address and port. Several UDP receive loops answer static
/// names inline; a query waiting for a service is handed off so the loop keeps going. TCP connections
/// are capped globally and per client address, carry any number of length-prefixed queries (RFC 7766),
/// close when idle, and are cut when a message trickles in slower than the message timeout.
/// </summary>
public sealed class DnsServer : IAsyncDisposable
{
    private readonly DnsServerOptions _options;
    private readonly DnsResponder _responder;
    private readonly CancellationTokenSource _stopping = new();
    // Cancelled first at shutdown: answers waiting for a service turn into SERVFAIL while the sockets can still carry them.
    private readonly CancellationTokenSource _answering = new();
    // Answers waiting for a service (UDP and TCP alike): drained before the sockets close.
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly List<Task> _loops = [];
    private Socket? _udp;
    private Socket? _tcp;
    private int _tcpConnections;
    private readonly Dictionary<IPAddress, int> _tcpPerClient = [];
    private int _state; // 0 new, 1 running, 2 stopped

    public DnsServer(ZoneCatalog zones, IServiceAnswerSource? services, DnsServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Counters = new DnsCounters();
        _responder = new DnsResponder(zones, services, options, Counters);
    }

    public DnsCounters Counters { get; }

    /// <summary>The zones answered from; set it to serve another catalog from the next query on (config reload).</summary>
    public ZoneCatalog Zones
    {
        get => _responder.Zones;
        set => _responder.Zones = value;
    }

    /// <summary>The bound address and port (UDP and TCP share it); valid after <see cref="Start"/>.</summary>
    public IPEndPoint LocalEndpoint { get; private set; } = new(IPAddress.None, 0);

    /// <summary>Binds both sockets and starts answering. Throws with the endpoint and the fix when it cannot bind.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("a DnsServer starts once");
        // Taken back, they carry what arrived while no server ran: queued datagrams and completed handshakes.
        Socket? keptUdp = _options.Endpoint.Port == 0 ? null : _options.TakeBack?.Invoke(ProtocolType.Udp, _options.Endpoint);
        Socket? keptTcp = _options.Endpoint.Port == 0 ? null : _options.TakeBack?.Invoke(ProtocolType.Tcp, _options.Endpoint);
        // With port 0, UDP picks the port and TCP must get the same one; another process may hold it on TCP, so retry.
        for (int attempt = 0; ; attempt++)
        {
            var udp = keptUdp ?? new Socket(_options.Endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            var tcp = keptTcp ?? new Socket(_options.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (keptUdp is null) udp.Bind(_options.Endpoint);
                var bound = (IPEndPoint)udp.LocalEndPoint!;
                if (keptTcp is null)
                {
                    tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    tcp.Bind(bound);
                    tcp.Listen(512);
                }
                _udp = udp;
                _tcp = tcp;
                LocalEndpoint = bound;
                break;
            }
            catch (SocketException e)
            {
                udp.Dispose();
                tcp.Dispose();
                if (_options.Endpoint.Port == 0 && attempt < 10 && e.SocketErrorCode == SocketError.AddressAlreadyInUse) continue;
                _state = 2;
                throw new InvalidOperationException(
                    $"DNS cannot listen on {_options.Endpoint} (UDP and TCP): {e.Message}. Pick a free port in the dns listen setting, or stop what holds it (ss -lunpt).", e);
            }
        }
        _options.Listening?.Invoke(ProtocolType.Udp, LocalEndpoint, _udp!);
        _options.Listening?.Invoke(ProtocolType.Tcp, LocalEndpoint, _tcp!);
        // The receive loops block; a socket taken back may come non-blocking (its earlier owner's async sends made it so).
        _udp!.Blocking = true;
        // A receive timeout lets each UDP thread notice shutdown even if closing the socket did not wake it.
        _udp!.ReceiveTimeout = 500;
        SizeUdpReceiveBuffer(_udp);
        for (int i = 0; i < _options.UdpReceivers; i++) _loops.Add(Task.Factory.StartNew(ReceiveUdp, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        _loops.Add(Task.Run(AcceptTcpAsync));
    }

    /// <summary>SO_RCVBUFFORCE (root) passes net.core.rmem_max; without the privilege, SO_RCVBUF up to that cap.</summary>
    private void SizeUdpReceiveBuffer(Socket udp)
    {
        const int SolSocket = 1, SoRcvBufForce = 33;
        try
        {
            udp.SetRawSocketOption(SolSocket, SoRcvBufForce, BitConverter.GetBytes(_options.UdpReceiveBufferBytes));
        }
        catch (SocketException)
        {
            udp.ReceiveBufferSize = _options.UdpReceiveBufferBytes;
        }
    }

    /// <summary>
    /// Every query gets an answer, even at shutdown: queries waiting for a service are answered SERVFAIL and
    /// sent (bounded wait) before the sockets close; then receiving stops and connections end.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1) return;
        await _answering.CancelAsync().ConfigureAwait(false);
        await WaitBoundedAsync(_inFlight.Keys, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _udp?.Dispose();
        _tcp?.Dispose();
        await WaitBoundedAsync(_loops.Concat(_connections.Keys).Concat(_inFlight.Keys), TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _stopping.Dispose();
        _answering.Dispose();
    }

    private static async Task WaitBoundedAsync(IEnumerable<Task> tasks, TimeSpan bound)
    {
        try
        {
            await Task.WhenAll(tasks.ToArray()).WaitAsync(bound).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Shutdown: loops end with cancellation or closed-socket errors; a source that ignores cancellation is left behind.
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static Task Track(ConcurrentDictionary<Task, byte> set, Task task)
    {
        set.TryAdd(task, 0);
        task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), set,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>
    /// One UDP receive loop on its own thread. Blocking receive/send on a dedicated thread costs far less
    /// per datagram than the async socket path, and static answers never block on anything else.
    /// </summary>
    private void ReceiveUdp()
    {
        var socket = _udp!;
        var token = _stopping.Token;
        var answering = _answering.Token;
        byte[] query = new byte[DnsLimitsForServer.UdpReceiveBuffer];
        byte[] response = new byte[_options.MaxUdpPayload];
        var peer = new SocketAddress(socket.AddressFamily);
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(query, SocketFlags.None, peer);
            }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                if (token.IsCancellationRequested) return;
                if (e.SocketErrorCode is not (SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted))
                    _options.Diagnostics?.Invoke($"dns: UDP receive failed: {e.SocketErrorCode}");
                continue;
            }
            try
            {
                var answer = _responder.RespondAsync(query.AsSpan(0, received), response, DnsTransport.Udp, peer, answering);
                if (answer.IsCompletedSuccessfully)
                {
                    int length = answer.Result;
                    if (length > 0) socket.SendTo(response.AsSpan(0, length), SocketFlags.None, peer);
                    continue;
                }
                // The answer waits for a service: hand this response buffer and the peer to a task and carry on.
                var waitingPeer = new SocketAddress(peer.Family, peer.Size);
                peer.Buffer.Span[..peer.Size].CopyTo(waitingPeer.Buffer.Span);
                _ = Track(_inFlight, SendWhenAnsweredAsync(socket, answer, response, waitingPeer, token));
                response = new byte[_options.MaxUdpPayload];
            }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                _options.Diagnostics?.Invoke($"dns: UDP send failed: {e.SocketErrorCode}");
            }
        }
    }

    private async Task SendWhenAnsweredAsync(Socket socket, ValueTask<int> answering, byte[] response, SocketAddress peer, CancellationToken token)
    {
        try
        {
            int length = await answering.ConfigureAwait(false);
            if (length > 0) await socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, peer, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            _options.Diagnostics?.Invoke($"dns: UDP answer after a service wait not sent: {e.Message}");
        }
    }

    private async Task AcceptTcpAsync()
    {
        var listener = _tcp!;
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                if (token.IsCancellationRequested) return;
                _options.Diagnostics?.Invoke($"dns: TCP accept failed: {e.SocketErrorCode}");
                continue;
            }
            var peer = (client.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            if (!TryAdmit(peer))
            {
                client.Dispose();
                continue;
            }
            _ = Track(_connections, ServeTcpAsync(client, peer, token));
        }
    }

    /// <summary>Takes a slot under the client's cap and the global cap, or counts why not.</summary>
    private bool TryAdmit(IPAddress peer)
    {
        lock (_tcpPerClient)
        {
            if (_tcpConnections >= _options.MaxTcpConnections)
            {
                Counters.TcpConnectionRefused();
                return false;
            }
            int mine = _tcpPerClient.GetValueOrDefault(peer);
            if (mine >= _options.MaxTcpConnectionsPerClient)
            {
                Counters.TcpRefusedPerClient();
                return false;
            }
            _tcpPerClient[peer] = mine + 1;
            _tcpConnections++;
            return true;
        }
    }

    private void Release(IPAddress peer)
    {
        lock (_tcpPerClient)
        {
            int mine = _tcpPerClient.GetValueOrDefault(peer) - 1;
            if (mine <= 0) _tcpPerClient.Remove(peer);
            else _tcpPerClient[peer] = mine;
            _tcpConnections--;
        }
    }

    /// <summary>
    /// Serves one TCP connection: reads length-prefixed queries until the peer closes it or stays idle.
    /// Static answers go out in order at once; an answer that waits for a service is sent when ready,
    /// possibly after later ones (RFC 7766 section 7 allows it), so one cold service does not stall the pipe.
    /// </summary>
    private async Task ServeTcpAsync(Socket client, IPAddress peer, CancellationToken stopping)
    {
        byte[] query = ArrayPool<byte>.Shared.Rent(DnsLimitsForServer.TcpMessageBuffer);
        byte[] response = ArrayPool<byte>.Shared.Rent(DnsLimitsForServer.TcpMessageBuffer + 2);
        SocketAddress peerAddress = new IPEndPoint(peer, 0).Serialize();
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var sending = new SemaphoreSlim(1, 1);
        var waiting = new List<Task>();
        bool messageStarted = false;
        try
        {
            client.NoDelay = true;
            while (true)
            {
                idle.CancelAfter(_options.TcpIdleTimeout);
                // Idle until the first byte; from then on the whole message is due within the message timeout.
                if (!await ReadExactlyAsync(client, query.AsMemory(0, 1), idle.Token).ConfigureAwait(false)) return;
                if (!idle.TryReset()) return;
                idle.CancelAfter(_options.TcpMessageTimeout);
                messageStarted = true;
                if (!await ReadExactlyAsync(client, query.AsMemory(1, 1), idle.Token).ConfigureAwait(false)) return;
                int length = BinaryPrimitives.ReadUInt16BigEndian(query);
                if (length == 0 || !await ReadExactlyAsync(client, query.AsMemory(0, length), idle.Token).ConfigureAwait(false)) return;
                messageStarted = false;
                if (!idle.TryReset()) return;
                var answering = _responder.RespondAsync(query.AsSpan(0, length), response.AsMemory(2, DnsLimitsForServer.TcpMessageBuffer), DnsTransport.Tcp, peerAddress, _answering.Token);
                if (!answering.IsCompletedSuccessfully)
                {
                    waiting.RemoveAll(t => t.IsCompleted);
                    waiting.Add(Track(_inFlight, SendFramedWhenAnsweredAsync(client, answering, response, sending, stopping)));
                    response = ArrayPool<byte>.Shared.Rent(DnsLimitsForServer.TcpMessageBuffer + 2);
                    continue;
                }
                int answer = answering.Result;
                // Nothing to answer means the stream no longer frames DNS messages: close it (RFC 7766 section 8).
                if (answer == 0) return;
                await SendFramedAsync(client, response, answer, sending, stopping).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Idle timeout, peer reset or shutdown: the connection simply ends. A message begun and not finished in time is a slow sender.
            if (messageStarted && e is OperationCanceledException && !stopping.IsCancellationRequested) Counters.TcpSlowSenderCut();
        }
        finally
        {
            // Answers still waiting for a service are bounded by the deadline; send them before closing.
            try
            {
                await Task.WhenAll(waiting).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The peer went away meanwhile.
            }
            client.Dispose();
            Release(peer);
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    private static async Task SendFramedWhenAnsweredAsync(Socket client, ValueTask<int> answering, byte[] response, SemaphoreSlim sending, CancellationToken stopping)
    {
        try
        {
            int answer = await answering.ConfigureAwait(false);
            if (answer > 0) await SendFramedAsync(client, response, answer, sending, stopping).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    /// <summary>Writes the 2-byte length and the message; the lock keeps concurrent answers from interleaving.</summary>
    private static async Task SendFramedAsync(Socket client, byte[] response, int length, SemaphoreSlim sending, CancellationToken stopping)
    {
        BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)length);
        await sending.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            int sent = 0;
            while (sent < length + 2)
                sent += await client.SendAsync(response.AsMemory(sent, length + 2 - sent), SocketFlags.None, stopping).ConfigureAwait(false);
        }
        finally
        {
            sending.Release();
        }
    }

    /// <summary>False when the peer closed the connection cleanly before the first byte.</summary>
    private static async ValueTask<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, token).ConfigureAwait(false);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    private static class DnsLimitsForServer
    {
        // Larger than any UDP datagram we accept, so an oversized one is seen whole (and answered or refused), not cut.
        public const int UdpReceiveBuffer = 65535;
        public const int TcpMessageBuffer = 65535;
    }
}
