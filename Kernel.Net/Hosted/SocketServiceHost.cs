using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kernel.Net.App;

namespace Kernel.Net.Hosted;

/// <summary>
/// The development service host: the same single-threaded event loop as on bare metal, over
/// non-blocking System.Net.Sockets and Socket.Select, so an app runs as a plain process.
/// Binds 127.0.0.1 unless the <c>bind=</c> setting says otherwise.
/// </summary>
public sealed class SocketServiceHost : IServiceHost, IClientHost, IWallClock, IDisposable
{
    private readonly Dictionary<string, string> _settings;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimerQueue _timers = new();
    private readonly List<(Socket Socket, Func<IConnection, IConnectionHandler> Accept)> _listeners = [];
    private readonly List<SocketConnection> _connections = [];
    private readonly HashSet<Socket> _announced = [];
    private readonly List<(SocketConnection Connection, IConnectCallback Callback)> _connecting = [];
    private readonly List<DatagramSocket> _datagrams = [];
    private readonly TextWriter _log;
    private readonly long _startOffsetNs;
    private readonly LoopContext _context = new();
    private volatile bool _stopped;

    /// <summary>Settings come as <c>key=value</c> arguments (the same keys as the guest's command line).</summary>
    public SocketServiceHost(IEnumerable<string> arguments, TextWriter? log = null)
    {
        _settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string a in arguments)
        {
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ArgumentException($"setting '{a}' is not key=value (for example port=8080 bind=127.0.0.1)", nameof(arguments));
            _settings[a[..eq]] = a[(eq + 1)..];
        }
        _log = log ?? Console.Out;
        using var self = Process.GetCurrentProcess();
        _startOffsetNs = Math.Max(0, (long)((DateTime.Now - self.StartTime).TotalMilliseconds * 1_000_000));
        // The same broker protocol as a guest's, so an app can be tried against a broker as a process.
        Egress = EgressClient.FromSettings(this);
    }

    public EgressClient? Egress { get; }

    /// <summary>The process's clock: the date a guest reads from its RTC.</summary>
    public long UnixSeconds => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Counted from process start, like the guest's clock counts from kernel entry.</summary>
    public long NowNanoseconds => _startOffsetNs + (long)(_clock.ElapsedTicks * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>Ports actually bound, in Listen order (port=0 picks a free one).</summary>
    public IReadOnlyList<int> BoundPorts => _listeners.ConvertAll(l => ((IPEndPoint)l.Socket.LocalEndPoint!).Port);

    /// <summary>An argument first, then an environment variable of the same name (how a hosted
    /// build gets what [service.env] gives a guest).</summary>
    public string? Setting(string key) => _settings.TryGetValue(key, out string? v) ? v : Environment.GetEnvironmentVariable(key);

    public void Listen(ushort port, Func<IConnection, IConnectionHandler> accept)
    {
        string bind = Setting("bind") ?? "127.0.0.1";
        if (!IPAddress.TryParse(bind, out IPAddress? address))
            throw new ArgumentException($"bind={bind} is not an IP address: use for example bind=127.0.0.1");
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(address, port));
        socket.Listen(128);
        _listeners.Add((socket, accept));
        int bound = ((IPEndPoint)socket.LocalEndPoint!).Port;
        Log(ReadinessLine.Format((ushort)bound, NowNanoseconds));
    }

    public IConnection Connect(Kernel.Net.Wire.Ipv4Address address, ushort port, IConnectCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
        var connection = new SocketConnection(socket);
        try
        {
            socket.Connect(new IPEndPoint(ToIp(address), port));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // The usual case: the handshake completes later, the loop sees the socket writable.
        }
        catch (SocketException e)
        {
            connection.Abort();
            callback.OnConnectFailed(ToConnectError(e.SocketErrorCode));
            return connection;
        }
        _connecting.Add((connection, callback));
        return connection;
    }

    public IDatagramSocket BindUdp(ushort port, IDatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        string bind = Setting("bind") ?? "127.0.0.1";
        if (!IPAddress.TryParse(bind, out IPAddress? address))
            throw new ArgumentException($"bind={bind} is not an IP address: use for example bind=127.0.0.1");
        // Ephemeral sockets talk to resolvers and peers anywhere: bind them to every address.
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        socket.Bind(new IPEndPoint(port == 0 ? IPAddress.Any : address, port));
        var d = new DatagramSocket(this, socket, handler);
        _datagrams.Add(d);
        if (port != 0) Log(ReadinessLine.FormatUdp(d.LocalPort, NowNanoseconds));
        return d;
    }

    private static IPAddress ToIp(Kernel.Net.Wire.Ipv4Address address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.Write(bytes);
        return new IPAddress(bytes);
    }

    private static ConnectError ToConnectError(SocketError error) => error switch
    {
        SocketError.ConnectionRefused or SocketError.ConnectionReset => ConnectError.Refused,
        SocketError.TimedOut => ConnectError.TimedOut,
        _ => ConnectError.Unreachable,
    };

    public int ScheduleTimer(long delayNanoseconds, Action callback) => _timers.Schedule(NowNanoseconds + delayNanoseconds, callback);

    public void CancelTimer(int id) => _timers.Cancel(id);

    public void Log(string line)
    {
        lock (_log) { _log.WriteLine(line); _log.Flush(); }
    }

    /// <summary>Safe to call from another thread (tests, Ctrl-C): the loop notices within 50 ms.</summary>
    public void RequestStop() => _stopped = true;

    /// <summary>Runs the loop on the calling thread. Await continuations that belong to the loop
    /// (Task.Delay, Task.Yield, tasks completed on other threads) come back to it through a
    /// SynchronizationContext, so app code keeps to one thread as on bare metal.</summary>
    public void Run()
    {
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_context);
        try
        {
            RunLoop();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void RunLoop()
    {
        _stopped = false;
        var readable = new List<Socket>();
        var writable = new List<Socket>();
        while (!_stopped)
        {
            _context.RunPosted();
            // Timers and posted work may have closed connections since the last sweep: never select a closed socket.
            _connections.RemoveAll(c => c.Closed);
            readable.Clear();
            writable.Clear();
            foreach (var l in _listeners) readable.Add(l.Socket);
            foreach (SocketConnection c in _connections)
            {
                if (!c.ReadPaused) readable.Add(c.Socket);
                if (c.WantsWrite) writable.Add(c.Socket);
            }
            _connecting.RemoveAll(p => p.Connection.Closed); // aborted by the app: no callback
            foreach (var p in _connecting) writable.Add(p.Connection.Socket);
            foreach (DatagramSocket d in _datagrams) readable.Add(d.Socket);
            // Work posted from other threads waits at most one Select timeout (50 ms).
            long waitNs = _context.HasPosted ? 0 : Math.Clamp(_timers.NextDue - NowNanoseconds, 0, 50_000_000);
            if (readable.Count + writable.Count > 0) Socket.Select(readable, writable, null, (int)(waitNs / 1000));
            else Thread.Sleep(TimeSpan.FromTicks(waitNs / 100));

            foreach (var l in _listeners)
            {
                if (!readable.Contains(l.Socket)) continue;
                while (TryAccept(l.Socket, out Socket? s))
                {
                    if (_announced.Add(l.Socket)) Log(ReadinessLine.FormatAccepted((ushort)((IPEndPoint)l.Socket.LocalEndPoint!).Port));
                    var c = new SocketConnection(s);
                    _connections.Add(c);
                    c.Handler = l.Accept(c);
                    c.Handler.OnReadable(c);
                }
            }
            CompleteConnects(writable);
            foreach (DatagramSocket d in _datagrams.ToArray())
                if (!d.Closed && readable.Contains(d.Socket)) d.Handler.OnDatagram(d);
            foreach (SocketConnection c in _connections.ToArray())
            {
                if (c.Closed) continue;
                if (readable.Contains(c.Socket)) c.Handler!.OnReadable(c);
                if (!c.Closed && writable.Contains(c.Socket)) { c.WantsWrite = false; c.Handler!.OnWritable(c); }
                if (c.Failed && !c.Closed) { c.Handler!.OnClosed(c); c.Abort(); }
            }
            _connections.RemoveAll(c => c.Closed);
            _timers.RunDue(NowNanoseconds);
        }
    }

    /// <summary>A non-blocking connect reports through writability; SO_ERROR says how it ended.</summary>
    private void CompleteConnects(List<Socket> writable)
    {
        foreach (var (c, callback) in _connecting.ToArray())
        {
            if (c.Closed || !writable.Contains(c.Socket)) continue;
            _connecting.Remove((c, callback));
            var error = (SocketError)(int)c.Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != SocketError.Success)
            {
                c.Abort();
                callback.OnConnectFailed(ToConnectError(error));
                continue;
            }
            _connections.Add(c);
            c.Handler = callback.OnConnected(c);
            if (!c.Closed) c.Handler.OnReadable(c);
        }
    }

    private static bool TryAccept(Socket listener, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Socket? accepted)
    {
        try
        {
            accepted = listener.Accept();
            accepted.Blocking = false;
            accepted.NoDelay = true;
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            accepted = null;
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var l in _listeners) l.Socket.Dispose();
        foreach (SocketConnection c in _connections) c.Socket.Dispose();
        foreach (var p in _connecting) p.Connection.Socket.Dispose();
        foreach (DatagramSocket d in _datagrams) d.Socket.Dispose();
        _connecting.Clear();
        _datagrams.Clear();
        _listeners.Clear();
        _connections.Clear();
    }

    /// <summary>The loop's SynchronizationContext: posts from any thread queue up for the loop thread.</summary>
    private sealed class LoopContext : SynchronizationContext
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _posted = new();

        public bool HasPosted => !_posted.IsEmpty;

        public override void Post(SendOrPostCallback d, object? state) => _posted.Enqueue((d, state));

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("the service loop only accepts posted work (Post)");

        public override SynchronizationContext CreateCopy() => this;

        /// <summary>Runs what was posted before the call; what that posts waits for the next turn.</summary>
        public void RunPosted()
        {
            for (int n = _posted.Count; n > 0 && _posted.TryDequeue(out var work); n--) work.Callback(work.State);
        }
    }

    private sealed class DatagramSocket(SocketServiceHost host, Socket socket, IDatagramHandler handler) : IDatagramSocket
    {
        private EndPoint _from = new IPEndPoint(IPAddress.Any, 0);

        public Socket Socket { get; } = socket;
        public IDatagramHandler Handler { get; } = handler;
        public bool Closed { get; private set; }
        public ushort LocalPort => (ushort)((IPEndPoint)Socket.LocalEndPoint!).Port;

        public int ReceiveFrom(Span<byte> buffer, out Kernel.Net.Wire.Ipv4Address source, out ushort sourcePort)
        {
            source = default;
            sourcePort = 0;
            if (Closed || Socket.Available == 0) return -1;
            int n;
            try
            {
                n = Socket.ReceiveFrom(buffer, SocketFlags.None, ref _from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.MessageSize or SocketError.ConnectionReset)
            {
                // MessageSize: truncated, as the bare host does; ConnectionReset: an ICMP error for an earlier send.
                if (e.SocketErrorCode != SocketError.MessageSize) return -1;
                n = buffer.Length;
            }
            var ip = (IPEndPoint)_from;
            source = Kernel.Net.Wire.Ipv4Address.Read(ip.Address.MapToIPv4().GetAddressBytes());
            sourcePort = (ushort)ip.Port;
            return n;
        }

        public bool SendTo(Kernel.Net.Wire.Ipv4Address destination, ushort destinationPort, ReadOnlySpan<byte> payload)
        {
            if (Closed) return false;
            try
            {
                return Socket.SendTo(payload, SocketFlags.None, new IPEndPoint(ToIp(destination), destinationPort)) == payload.Length;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public void Close()
        {
            if (Closed) return;
            Closed = true;
            host._datagrams.Remove(this);
            Socket.Dispose();
        }
    }

    private sealed class SocketConnection(Socket socket) : IConnection
    {
        public Socket Socket { get; } = socket;
        public IConnectionHandler? Handler { get; set; }
        public bool WantsWrite { get; set; }
        public bool Closed { get; private set; }
        public bool Failed { get; private set; }
        /// <summary>After end of stream the socket stays readable forever; stop selecting it.</summary>
        public bool ReadPaused { get; private set; }

        public int Read(Span<byte> buffer)
        {
            if (Closed || ReadPaused) return -1;
            int n = Socket.Receive(buffer, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock) return 0;
            if (error != SocketError.Success) { Failed = true; ReadPaused = true; return -1; }
            if (n == 0) { ReadPaused = true; return -1; }
            return n;
        }

        public int Write(ReadOnlySpan<byte> data)
        {
            if (Closed) return -1;
            int n = Socket.Send(data, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock) { WantsWrite = true; return 0; }
            if (error != SocketError.Success) { Failed = true; return -1; }
            if (n < data.Length) WantsWrite = true;
            return n;
        }

        public void Close()
        {
            if (Closed) return;
            Closed = true;
            try { Socket.Shutdown(SocketShutdown.Send); } catch (SocketException) { /* peer already gone: nothing to flush */ }
            Socket.Close();
        }

        public void Abort()
        {
            if (Closed) return;
            Closed = true;
            Socket.LingerState = new LingerOption(true, 0); // close with RST
            Socket.Close();
        }
    }
}
