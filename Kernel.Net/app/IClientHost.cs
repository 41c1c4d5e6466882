using System;
using Kernel.Net.Wire;

namespace Kernel.Net.App
{
    /// <summary>
    /// The outbound half of the app interface (MirageOS's conduit/UDP role): active TCP opens and
    /// UDP sockets. Both hosts implement it next to <see cref="IServiceHost"/>; apps reach it through
    /// <see cref="OutboundConnect"/> (<c>host.ConnectAsync</c>) and <see cref="DnsResolver"/>.
    /// </summary>
    public interface IClientHost
    {
        /// <summary>Starts a TCP connection to <paramref name="address"/>:<paramref name="port"/>. Exactly one of
        /// <see cref="IConnectCallback.OnConnected"/> or <see cref="IConnectCallback.OnConnectFailed"/> follows on the
        /// loop, unless the app aborts the returned connection first (then neither).</summary>
        IConnection Connect(Ipv4Address address, ushort port, IConnectCallback callback);

        /// <summary>Binds a UDP socket on <paramref name="port"/> (0: a free ephemeral port); the handler
        /// hears about queued datagrams on the loop.</summary>
        IDatagramSocket BindUdp(ushort port, IDatagramHandler handler);

        /// <summary>Summoner's egress broker when the <c>egress_port</c> setting names one (then every
        /// outbound connection goes through it), else null.</summary>
        EgressClient? Egress { get; }
    }

    /// <summary>Why an active open failed.</summary>
    public enum ConnectError
    {
        None,
        /// <summary>The peer answered with RST: nothing listens there (or a firewall said no).</summary>
        Refused,
        /// <summary>No answer in time (SYN retransmissions, or the caller's own deadline).</summary>
        TimedOut,
        /// <summary>No route, no free connection slot, or the host's socket layer refused.</summary>
        Unreachable,
        /// <summary>The name did not resolve (no resolver configured, no such name, resolver silent).</summary>
        NameNotResolved,
    }

    public interface IConnectCallback
    {
        /// <summary>The handshake completed: returns the handler for the connection's callbacks.</summary>
        IConnectionHandler OnConnected(IConnection connection);

        void OnConnectFailed(ConnectError reason);
    }

    /// <summary>A bound UDP socket. Never blocks.</summary>
    public interface IDatagramSocket
    {
        ushort LocalPort { get; }

        /// <summary>Copies the oldest queued datagram (truncated to the buffer); -1 when none is queued.</summary>
        int ReceiveFrom(Span<byte> buffer, out Ipv4Address source, out ushort sourcePort);

        /// <summary>Sends one datagram now; false if it could not leave (too large, no route).</summary>
        bool SendTo(Ipv4Address destination, ushort destinationPort, ReadOnlySpan<byte> payload);

        /// <summary>Unbinds the port; queued datagrams are dropped.</summary>
        void Close();
    }

    public interface IDatagramHandler
    {
        /// <summary>At least one datagram is queued: read them all with ReceiveFrom.</summary>
        void OnDatagram(IDatagramSocket socket);
    }
}
