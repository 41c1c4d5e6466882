using System;
using System.Collections.Generic;
using Kernel.Net.Iface;
using Kernel.Net.Sockets;

namespace Kernel.Net.App
{
    /// <summary>
    /// The bare-metal service host: one event loop over an <see cref="EthernetInterface"/> that
    /// polls the stack, hands accepted connections to the app, delivers readiness callbacks, runs
    /// timers and otherwise sleeps until the next deadline or interrupt.
    /// </summary>
    public sealed class StackServiceHost : IServiceHost, IClientHost, IWallClock
    {
        private readonly EthernetInterface _interface;
        private readonly IMachine _machine;
        private readonly TimerQueue _timers = new TimerQueue();
        private readonly List<TcpListener> _listeners = new List<TcpListener>();
        private readonly List<Func<IConnection, IConnectionHandler>> _acceptors = new List<Func<IConnection, IConnectionHandler>>();
        private readonly List<bool> _announced = new List<bool>();
        // The host's own table: every connection an app holds, with its handler. The socket layer
        // knows nothing of apps; it only raises readable/writable/closed flags this loop consumes.
        private readonly List<StackConnection> _open = new List<StackConnection>();
        // Active opens still in their handshake, and bound UDP sockets; few entries, so lists.
        private readonly List<StackConnection> _connecting = new List<StackConnection>();
        private readonly List<IConnectCallback> _connectCallbacks = new List<IConnectCallback>();
        private readonly List<BoundDatagramSocket> _datagrams = new List<BoundDatagramSocket>();
        private readonly UdpTunnel? _tunnel;
        private bool _stopped;
        private long _statsDue;
        private long _statsPrinted;

        public StackServiceHost(EthernetInterface networkInterface, IMachine machine)
        {
            _interface = networkInterface;
            _machine = machine;
            ushort tunnelPort = UdpTunnel.PortFromSettings(machine);
            // Before the app binds its UDP ports: their ready lines tell Summoner the tunnel can carry datagrams.
            if (tunnelPort != 0)
            {
                _tunnel = new UdpTunnel(networkInterface.Tcp, networkInterface.Udp, tunnelPort);
                machine.Log(ReadinessLine.FormatTunnel(tunnelPort));
            }
            // Listening before the app does: Summoner opens its control channel once the app's ports are ready.
            Egress = EgressClient.FromSettings(this);
        }

        public EgressClient? Egress { get; }

        public EthernetInterface Interface => _interface;

        public long NowNanoseconds => _machine.NowNanoseconds;

        /// <summary>The machine's date (<see cref="IWallClock"/>), or -1 on a machine without a clock.</summary>
        public long UnixSeconds => _machine is IWallClock clock ? clock.UnixSeconds : -1;

        public string? Setting(string key) => _machine.Setting(key);

        public void Listen(ushort port, Func<IConnection, IConnectionHandler> accept)
        {
            _listeners.Add(_interface.Tcp.Listen(port, _interface.Tcp.Config.AcceptBacklog));
            _acceptors.Add(accept);
            _announced.Add(false);
            _machine.Log(ReadinessLine.Format(port, _machine.NowNanoseconds));
        }

        public IConnection Connect(Wire.Ipv4Address address, ushort port, IConnectCallback callback)
        {
            TcpConnection? c = _interface.Tcp.Connect(_machine.NowNanoseconds, _interface.Config.Address, address, port);
            if (c is null)
            {
                callback.OnConnectFailed(ConnectError.Unreachable);
                return ClosedConnection.Instance;
            }
            var connection = new StackConnection(c, silent: false);
            _connecting.Add(connection);
            _connectCallbacks.Add(callback);
            return connection;
        }

        public IDatagramSocket BindUdp(ushort port, IDatagramHandler handler)
        {
            UdpSocket socket = port == 0 ? _interface.Udp.BindEphemeral() : _interface.Udp.Bind(port);
            var bound = new BoundDatagramSocket(this, socket, handler);
            _datagrams.Add(bound);
            if (port != 0) _machine.Log(ReadinessLine.FormatUdp(port, _machine.NowNanoseconds));
            return bound;
        }

        public int ScheduleTimer(long delayNanoseconds, Action callback) => _timers.Schedule(_machine.NowNanoseconds + delayNanoseconds, callback);

        public void CancelTimer(int id) => _timers.Cancel(id);

        public void Log(string line) => _machine.Log(line);

        public void RequestStop() => _stopped = true;

        public void Run()
        {
            _stopped = false;
            while (!_stopped) RunOnce(wait: true);
        }

        /// <summary>One turn of the loop; returns true if anything happened. Public so tests can drive it step by step.</summary>
        public bool RunOnce(bool wait)
        {
            long now = _machine.NowNanoseconds;
            bool busy = _interface.Poll(now);
            busy |= AcceptNew();
            if (_connecting.Count > 0) busy |= CompleteConnects();
            if (_tunnel is not null) busy |= _tunnel.Poll();
            if (_datagrams.Count > 0) busy |= DeliverDatagrams();
            busy |= DeliverEvents();
            busy |= _timers.RunDue(now) > 0;
            long statsAt = ReportStats(now);
            if (busy)
            {
                // Let what the callbacks wrote leave now rather than after the next sleep.
                _interface.Poll(_machine.NowNanoseconds);
                return true;
            }
            if (wait)
            {
                long deadline = Math.Min(Math.Min(_interface.NextDeadline(), _timers.NextDue), statsAt);
                if (deadline > now) _machine.WaitUntil(deadline);
            }
            return false;
        }

        /// <summary>Prints the stats line when a defence counter changed, at most once per interval;
        /// returns when it next may (long.MaxValue while nothing changed).</summary>
        private long ReportStats(long now)
        {
            long events = _interface.Tcp.Counters.DefenceEvents;
            if (events == _statsPrinted) return long.MaxValue;
            if (now < _statsDue) return _statsDue;
            _statsPrinted = events;
            _statsDue = now + StatsLine.IntervalNanoseconds;
            _machine.Log(StatsLine.Format(_interface.Tcp));
            return long.MaxValue;
        }

        private bool CompleteConnects()
        {
            bool any = false;
            for (int i = _connecting.Count - 1; i >= 0; i--)
            {
                StackConnection connection = _connecting[i];
                TcpConnection c = connection.Socket;
                IConnectCallback callback = _connectCallbacks[i];
                if (connection.Released)
                {
                    // The app aborted it (its own deadline): no callback, as promised.
                    Forget(i);
                    continue;
                }
                if (c.State == TcpState.SynSent) continue;
                any = true;
                Forget(i);
                if (c.State == TcpState.Closed)
                {
                    TcpError error = c.Error;
                    connection.Abort(); // releases it to the stack
                    callback.OnConnectFailed(error == TcpError.TimedOut ? ConnectError.TimedOut
                        : error == TcpError.Refused || error == TcpError.Reset ? ConnectError.Refused : ConnectError.Unreachable);
                    continue;
                }
                connection.Handler = callback.OnConnected(connection);
                if (connection.Released) continue;
                _open.Add(connection);
                c.ReadableEvent = true; // data (or a FIN) may have come with the handshake
                c.WritableEvent = false;
            }
            return any;
        }

        private void Forget(int i)
        {
            _connecting.RemoveAt(i);
            _connectCallbacks.RemoveAt(i);
        }

        private bool DeliverDatagrams()
        {
            bool any = false;
            for (int i = 0; i < _datagrams.Count; i++)
            {
                BoundDatagramSocket d = _datagrams[i];
                if (d.Socket.Queued == 0) continue;
                any = true;
                d.Handler.OnDatagram(d);
                if (d.Socket.Queued > 0 && (object)_datagrams[i] == d) d.DrainUnread(); // a handler that ignores datagrams must not spin the loop
            }
            return any;
        }

        private void Unbind(BoundDatagramSocket d)
        {
            for (int i = 0; i < _datagrams.Count; i++)
                if ((object)_datagrams[i] == d) { _datagrams.RemoveAt(i); break; }
            _interface.Udp.Unbind(d.Socket);
        }

        private sealed class BoundDatagramSocket : IDatagramSocket
        {
            private readonly StackServiceHost _host;

            public BoundDatagramSocket(StackServiceHost host, UdpSocket socket, IDatagramHandler handler)
            {
                _host = host;
                Socket = socket;
                Handler = handler;
            }

            public UdpSocket Socket { get; }

            public IDatagramHandler Handler { get; }

            public ushort LocalPort => Socket.Port;

            public int ReceiveFrom(Span<byte> buffer, out Wire.Ipv4Address source, out ushort sourcePort) => Socket.ReceiveFrom(buffer, out source, out sourcePort);

            public bool SendTo(Wire.Ipv4Address destination, ushort destinationPort, ReadOnlySpan<byte> payload)
            {
                bool sent;
                if (_host._tunnel is not null && _host._tunnel.TrySend(destination, destinationPort, Socket.Port, payload, out sent)) return sent;
                return Socket.SendTo(destination, destinationPort, payload);
            }

            public void Close() => _host.Unbind(this);

            public void DrainUnread()
            {
                Wire.Ipv4Address source;
                ushort port;
                while (Socket.ReceiveFrom(Span<byte>.Empty, out source, out port) >= 0) { }
            }
        }

        /// <summary>What Connect returns when it failed at once: every call is a no-op.</summary>
        private sealed class ClosedConnection : IConnection
        {
            public static readonly ClosedConnection Instance = new ClosedConnection();

            public int Read(Span<byte> buffer) => -1;

            public int Write(ReadOnlySpan<byte> data) => -1;

            public void Close() { }

            public void Abort() { }
        }

        private bool AcceptNew()
        {
            bool any = false;
            for (int i = 0; i < _listeners.Count; i++)
            {
                TcpConnection? c;
                while ((c = _listeners[i].Accept()) is not null)
                {
                    any = true;
                    if (!_announced[i])
                    {
                        _announced[i] = true;
                        _machine.Log(ReadinessLine.FormatAccepted(_listeners[i].Port));
                    }
                    // A probe's ACK and FIN often arrive in one poll, before the accept: judge it
                    // now, because an app that reads in its accept callback (HttpServer) sees the end
                    // of stream and closes it before any readable event could.
                    bool probe = c.PeerClosedWithoutData;
                    if (probe) _machine.Log(ReadinessLine.FormatAccepted(c.LocalPort));
                    var connection = new StackConnection(c, silent: !probe);
                    _open.Add(connection);
                    connection.Handler = _acceptors[i](connection);
                    c.ReadableEvent = true; // data may have come with the handshake
                    c.WritableEvent = false;
                }
            }
            return any;
        }

        /// <summary>
        /// A connection closed by its peer before it sent a byte is how the host probes readiness;
        /// reporting every one (not only the first accept) lets the host prove that a resumed
        /// guest's stack still takes connections. Real traffic carries data and prints nothing.
        /// </summary>
        private void ReportProbe(StackConnection connection)
        {
            TcpConnection c = connection.Socket;
            if (c.PeerSentData) connection.Silent = false;
            else if (c.PeerClosedWithoutData)
            {
                connection.Silent = false;
                _machine.Log(ReadinessLine.FormatAccepted(c.LocalPort));
            }
        }

        private bool DeliverEvents()
        {
            bool any = false;
            // Callbacks may close connections (they are dropped from the table below) and open new
            // ones (which join it once connected), never remove entries themselves.
            int kept = 0;
            for (int i = 0; i < _open.Count; i++)
            {
                StackConnection connection = _open[i];
                if (!connection.Released) Deliver(connection, ref any);
                if (connection.Released)
                {
                    if (connection.Silent) ReportProbe(connection); // the app closed it on the FIN itself
                    continue;
                }
                _open[kept++] = connection;
            }
            if (kept < _open.Count) _open.RemoveRange(kept, _open.Count - kept);
            return any;
        }

        private void Deliver(StackConnection connection, ref bool any)
        {
            TcpConnection c = connection.Socket;
            IConnectionHandler? handler = connection.Handler;
            if (handler is null) return;
            if (c.IsClosed)
            {
                any = true;
                if (connection.Silent) ReportProbe(connection);
                connection.Handler = null;
                c.ReadableEvent = c.WritableEvent = c.ClosedEvent = false;
                handler.OnClosed(connection);
                connection.Abort(); // releases it to the stack if the app did not
                return;
            }
            if (c.ReadableEvent)
            {
                any = true;
                c.ReadableEvent = false;
                if (connection.Silent) ReportProbe(connection);
                // The async adapter serves almost every connection: called directly, not through the
                // interface. An interface call costs about 200 emulated instructions in this kernel, and
                // ILC devirtualizes it only while an image has one handler type (egress added more).
                if (handler is AsyncConnection adapter) adapter.OnReadable();
                else handler.OnReadable(connection);
            }
            if (c.WritableEvent && !connection.Released)
            {
                any = true;
                c.WritableEvent = false;
                if (handler is AsyncConnection adapter) adapter.OnWritable();
                else handler.OnWritable(connection);
            }
        }

        /// <summary>
        /// A TCP connection as an app holds it. Once the app closes or aborts it, every call is a
        /// no-op and the socket goes back to the stack, so a handle kept too long can never touch
        /// the connection that later reuses the socket.
        /// </summary>
        private sealed class StackConnection : IConnection
        {
            public StackConnection(TcpConnection socket, bool silent)
            {
                Socket = socket;
                Silent = silent;
            }

            public TcpConnection Socket { get; }

            public IConnectionHandler? Handler;

            /// <summary>Accepted and no byte seen yet: it may be the host's readiness probe.</summary>
            public bool Silent;

            public bool Released;

            public int Read(Span<byte> buffer) => Released ? -1 : Socket.Read(buffer);

            public int Write(ReadOnlySpan<byte> data) => Released ? -1 : Socket.Write(data);

            public void Close()
            {
                if (Released) return;
                Released = true;
                Socket.Close();
            }

            public void Abort()
            {
                if (Released) return;
                Released = true;
                Socket.Abort();
            }
        }
    }
}
