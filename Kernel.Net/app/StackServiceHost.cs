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
    public sealed class StackServiceHost : IServiceHost
    {
        private readonly EthernetInterface _interface;
        private readonly IMachine _machine;
        private readonly TimerQueue _timers = new TimerQueue();
        private readonly List<TcpListener> _listeners = new List<TcpListener>();
        private readonly List<Func<IConnection, IConnectionHandler>> _acceptors = new List<Func<IConnection, IConnectionHandler>>();
        private readonly List<bool> _announced = new List<bool>();
        private bool _stopped;
        private long _statsDue;
        private long _statsPrinted;

        public StackServiceHost(EthernetInterface networkInterface, IMachine machine)
        {
            _interface = networkInterface;
            _machine = machine;
        }

        public EthernetInterface Interface => _interface;

        public long NowNanoseconds => _machine.NowNanoseconds;

        public string? Setting(string key) => _machine.Setting(key);

        public void Listen(ushort port, Func<IConnection, IConnectionHandler> accept)
        {
            _listeners.Add(_interface.Tcp.Listen(port, _interface.Tcp.Config.AcceptBacklog));
            _acceptors.Add(accept);
            _announced.Add(false);
            _machine.Log(ReadinessLine.Format(port, _machine.NowNanoseconds));
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
                    c.Handler = _acceptors[i](c);
                    c.ReadableEvent = true; // data may have come with the handshake
                    c.WritableEvent = false;
                }
            }
            return any;
        }

        private bool DeliverEvents()
        {
            bool any = false;
            List<TcpConnection> connections = _interface.Tcp.Connections;
            // Callbacks may close connections but never remove them from the list (only Poll recycles).
            for (int i = 0; i < connections.Count; i++)
            {
                TcpConnection c = connections[i];
                IConnectionHandler? handler = c.Handler;
                if (handler is null || !c.AppOwned) continue;
                if (c.State == TcpState.Closed)
                {
                    any = true;
                    c.Handler = null;
                    c.ReadableEvent = c.WritableEvent = c.ClosedEvent = false;
                    handler.OnClosed(c);
                    c.Abort(); // releases it to the stack if the app did not
                    continue;
                }
                if (c.ReadableEvent)
                {
                    any = true;
                    c.ReadableEvent = false;
                    handler.OnReadable(c);
                }
                if (c.WritableEvent && c.AppOwned)
                {
                    any = true;
                    c.WritableEvent = false;
                    handler.OnWritable(c);
                }
            }
            return any;
        }
    }
}
