using System;
using System.Threading.Tasks;
using Kernel.Net.Wire;

namespace Kernel.Net.App
{
    /// <summary>The outcome of <c>ConnectAsync</c>: a connection, or why there is none (a result, not an exception).</summary>
    public readonly struct ConnectResult
    {
        public ConnectResult(AsyncConnection connection) { Connection = connection; Error = ConnectError.None; }

        public ConnectResult(ConnectError error) { Connection = null; Error = error; }

        public AsyncConnection? Connection { get; }

        public ConnectError Error { get; }

        public bool Succeeded => Connection is not null;

        /// <summary>A sentence for logs: what failed and what to check.</summary>
        public static string Describe(ConnectError error, string target) => error switch
        {
            ConnectError.None => "connected to " + target,
            ConnectError.Refused => "connection to " + target + " refused: nothing listens there, or egress to it is not allowed",
            ConnectError.TimedOut => "connection to " + target + " timed out: the peer or the route is silent (egress not allowed?)",
            ConnectError.NameNotResolved => "cannot resolve " + target + ": check the name and the dns= setting",
            _ => "connection to " + target + " failed: no route or no free connection slot",
        };
    }

    /// <summary>Outbound TCP in async style, for both hosts.</summary>
    public static class OutboundConnect
    {
        /// <summary>Default deadline for a connect (the <c>connect_timeout_ms</c> setting overrides it).</summary>
        public const long DefaultTimeoutNanoseconds = 10_000_000_000;

        /// <summary>Connects to a dotted-quad address; fails with TimedOut after <paramref name="timeoutNanoseconds"/>
        /// (0: the host's <c>connect_timeout_ms</c> setting, else 10 s).</summary>
        public static LoopOperation<ConnectResult> ConnectAsync(this IServiceHost host, Ipv4Address address, ushort port, long timeoutNanoseconds = 0)
        {
            ArgumentNullException.ThrowIfNull(host);
            if (host is not IClientHost client) return new LoopOperation<ConnectResult>(new ConnectResult(ConnectError.Unreachable));
            if (timeoutNanoseconds <= 0) timeoutNanoseconds = ConfiguredTimeout(host);
            var pending = new PendingConnect(host);
            LoopOperation<ConnectResult> operation = pending.Completion.Begin();
            pending.Connection = client.Connect(address, port, pending);
            if (pending.Completion.IsPending) pending.Timer = host.ScheduleTimer(timeoutNanoseconds, pending.Expire);
            return operation;
        }

        /// <summary>Connects to <paramref name="name"/> (a dotted quad, or a name the resolver looks up).</summary>
        public static async Task<ConnectResult> ConnectAsync(this IServiceHost host, DnsResolver resolver, string name, ushort port, long timeoutNanoseconds = 0)
        {
            ArgumentNullException.ThrowIfNull(resolver);
            Ipv4Address address;
            if (!Ipv4Address.TryParse(name, out address))
            {
                ResolveResult resolved = await resolver.ResolveAsync(name);
                if (!resolved.Succeeded) return new ConnectResult(ConnectError.NameNotResolved);
                address = resolved.Address;
            }
            return await host.ConnectAsync(address, port, timeoutNanoseconds);
        }

        private static long ConfiguredTimeout(IServiceHost host)
        {
            string? ms = host.Setting("connect_timeout_ms");
            int value;
            if (ms is not null && int.TryParse(ms, out value) && value > 0) return value * 1_000_000L;
            return DefaultTimeoutNanoseconds;
        }

        private sealed class PendingConnect : IConnectCallback
        {
            private readonly IServiceHost _host;

            public PendingConnect(IServiceHost host) { _host = host; }

            public LoopCompletion<ConnectResult> Completion { get; } = new LoopCompletion<ConnectResult>();

            public IConnection? Connection { get; set; }

            public int Timer { get; set; } = -1;

            public IConnectionHandler OnConnected(IConnection connection)
            {
                var async = new AsyncConnection(connection);
                Finish(new ConnectResult(async));
                return async;
            }

            public void OnConnectFailed(ConnectError reason) => Finish(new ConnectResult(reason));

            public void Expire()
            {
                Timer = -1;
                if (!Completion.IsPending) return;
                Connection?.Abort(); // the host promises no callback after this
                Completion.Complete(new ConnectResult(ConnectError.TimedOut));
            }

            private void Finish(ConnectResult result)
            {
                if (!Completion.IsPending) return;
                if (Timer >= 0) { _host.CancelTimer(Timer); Timer = -1; }
                Completion.Complete(result);
            }
        }
    }
}
