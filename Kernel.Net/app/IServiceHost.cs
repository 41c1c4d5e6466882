using System;

namespace Kernel.Net.App
{
    /// <summary>
    /// What an app sees of the world (MirageOS style): listen for TCP connections, timers, a clock,
    /// settings and a log, and an event loop that calls the app back. Implemented on bare metal by
    /// <see cref="StackServiceHost"/> over Kernel.Net and, for development, over System.Net.Sockets;
    /// the app cannot tell which one it got. Everything runs on one thread, callbacks included.
    /// </summary>
    public interface IServiceHost
    {
        /// <summary>Monotonic nanoseconds since the guest kernel was entered (or the hosted process started).</summary>
        long NowNanoseconds { get; }

        /// <summary>A <c>key=value</c> setting (guest: kernel command line; hosted: program arguments), or null.</summary>
        string? Setting(string key);

        /// <summary>Starts accepting on <paramref name="port"/>; <paramref name="accept"/> returns the handler for each new connection.
        /// Prints the readiness line <c>summoner: ready tcp/PORT in MS ms</c> once the port is bound.</summary>
        void Listen(ushort port, Func<IConnection, IConnectionHandler> accept);

        /// <summary>Runs <paramref name="callback"/> from the event loop after the delay; returns an id for <see cref="CancelTimer"/>.</summary>
        int ScheduleTimer(long delayNanoseconds, Action callback);

        void CancelTimer(int id);

        void Log(string line);

        /// <summary>Runs the event loop until <see cref="RequestStop"/>.</summary>
        void Run();

        void RequestStop();
    }

    /// <summary>One TCP connection as an app sees it. Never blocks.</summary>
    public interface IConnection
    {
        /// <summary>Bytes read (&gt;0), 0 when nothing is buffered yet, -1 at end of stream.</summary>
        int Read(Span<byte> buffer);

        /// <summary>Bytes accepted; fewer than offered means the send buffer is full (wait for OnWritable); -1 when closed.</summary>
        int Write(ReadOnlySpan<byte> data);

        /// <summary>Orderly close after queued data; the app must not use the connection afterwards.</summary>
        void Close();

        /// <summary>Drops the connection with a reset.</summary>
        void Abort();
    }

    /// <summary>Callbacks for one connection; the host calls them from its event loop.</summary>
    public interface IConnectionHandler
    {
        /// <summary>New data or end of stream is waiting.</summary>
        void OnReadable(IConnection connection);

        /// <summary>Room appeared in the send buffer after a short write.</summary>
        void OnWritable(IConnection connection);

        /// <summary>The connection ended without the app closing it (reset, timeout); do not use it any more.</summary>
        void OnClosed(IConnection connection);
    }
}
