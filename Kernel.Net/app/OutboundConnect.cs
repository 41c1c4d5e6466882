using System;
using System.Threading.Tasks;
using Kernel.Net.Wire;

namespace Kernel.Net.App
{
    /// <summary>The outcome of <c>ConnectAsync</c>: a connection, or why there is none (a result, not an exception).</summary>
    public readonly struct ConnectResult
    {
        public ConnectResult(AsyncConnection connection) { Connection = connection; Error = ConnectError.None; Reason = null; }

        public ConnectResult(ConnectError error) { Connection = null; Error = error; Reason = null; }

        /// <summary>A failure someone explained (Summoner's egress broker says why it refused).</summary>
        public ConnectResult(ConnectError error, string? reason) { Connection = null; Error = error; Reason = reason; }

        public AsyncConnection? Connection { get; }

        public ConnectError Error { get; }

        public bool Succeeded => Connection is not null;

        /// <summary>Why it failed in the words of whoever refused (the egress broker), or null.</summary>
        public string? Reason { get; }

        /// <summary>A sentence for logs, with the refuser's reason when there is one.</summary>
        public string Describe(string target) => Reason is null ? Describe(Error, target) : "connection to " + target + " failed: " + Reason;

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
            // With a broker every connection goes through it, addresses too: the guest cannot reach out by itself.
            if (client.Egress is not null) return client.Egress.ConnectAsync(ToText(address), port, timeoutNanoseconds);
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
            ArgumentNullException.ThrowIfNull(name);
            // Summoner resolves for the broker (its own zone's names are services it summons).
            if (host is IClientHost { Egress: not null } brokered)
                return await brokered.Egress.ConnectAsync(name, port, timeoutNanoseconds > 0 ? timeoutNanoseconds : ConfiguredTimeout(host));
            Ipv4Address address;
            if (!Ipv4Address.TryParse(name, out address))
            {
                ResolveResult resolved = await resolver.ResolveAsync(name);
                if (!resolved.Succeeded) return new ConnectResult(ConnectError.NameNotResolved);
                address = resolved.Address;
            }
            return await host.ConnectAsync(address, port, timeoutNanoseconds);
        }

        private static string ToText(Ipv4Address a)
        {
            uint v = a.Value;
            return (v >> 24).ToString() + "." + ((v >> 16) & 255).ToString() + "." + ((v >> 8) & 255).ToString() + "." + (v & 255).ToString();
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
