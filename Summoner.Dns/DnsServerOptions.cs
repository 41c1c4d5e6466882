using System.Net;

namespace Summoner.Dns;

/// <summary>Settings of one <see cref="DnsServer"/>; <see cref="Validate"/> says what is wrong and what to use.</summary>
public sealed class DnsServerOptions
{
    /// <summary>
    /// Address and port for both UDP and TCP; port 0 picks a free one (see <see cref="DnsServer.LocalEndpoint"/>).
    /// The default is loopback on an unprivileged port clear of mDNS (5353).
    /// </summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, 5300);

    /// <summary>Largest UDP response we send and advertise in OPT (RFC 6891); 1232 avoids IP fragmentation.</summary>
    public int MaxUdpPayload { get; init; } = 1232;

    /// <summary>How long a query for a cold service waits for the answer source before it gets SERVFAIL.</summary>
    public TimeSpan ServiceAnswerDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxTcpConnections { get; init; } = 256;

    /// <summary>
    /// TCP connections one client address may hold at once; kept well below <see cref="MaxTcpConnections"/>
    /// so that one client can never take every slot (RFC 7766 section 6.2.2 suggests limiting per client).
    /// </summary>
    public int MaxTcpConnectionsPerClient { get; init; } = 16;

    /// <summary>
    /// Once the first byte of a TCP message has arrived, the whole message must arrive within this: a client
    /// that trickles bytes to hold a connection is cut, however short each gap is.
    /// </summary>
    public TimeSpan TcpMessageTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Kernel receive buffer of the UDP socket. Linux's default (rmem_default, ~208 KiB) holds only a few
    /// hundred datagrams because each one costs ~1 KiB of buffer accounting; a burst beyond that is lost
    /// before any thread can read it. 4 MiB holds several thousand. Set with SO_RCVBUFFORCE when the
    /// process may (root), else capped by net.core.rmem_max.
    /// </summary>
    public int UdpReceiveBufferBytes { get; init; } = 4 << 20;

    /// <summary>A TCP connection with no complete query for this long is closed (RFC 7766 section 6.2.3).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Threads receiving on the UDP socket (blocking receive, one per core by default).</summary>
    public int UdpReceivers { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// Gives back a socket of the protocol already bound to the endpoint (listening, for TCP), left
    /// open by an earlier run of the server's process (Summoner's keeper holds them across a crash);
    /// null, or a null result: the server binds a new one.
    /// </summary>
    public Func<System.Net.Sockets.ProtocolType, IPEndPoint, System.Net.Sockets.Socket?>? TakeBack { get; init; }

    /// <summary>Told of each socket the server serves on, once bound or taken back (Summoner hands a copy to its keeper).</summary>
    public Action<System.Net.Sockets.ProtocolType, IPEndPoint, System.Net.Sockets.Socket>? Listening { get; init; }

    /// <summary>Receives unexpected socket errors (the server keeps running); null discards them.</summary>
    public Action<string>? Diagnostics { get; init; }

    public void Validate()
    {
        if (Endpoint is null) throw new ArgumentException("DNS endpoint is missing: set an address and port such as 127.0.0.1:5353");
        if (MaxUdpPayload is < 512 or > 65535)
            throw new ArgumentException($"DNS max UDP payload {MaxUdpPayload} is outside 512..65535; 1232 is the usual choice");
        if (ServiceAnswerDeadline <= TimeSpan.Zero)
            throw new ArgumentException($"DNS service answer deadline {ServiceAnswerDeadline} must be positive, e.g. 10s");
        if (MaxTcpConnections < 1) throw new ArgumentException($"DNS max TCP connections {MaxTcpConnections} must be at least 1");
        if (MaxTcpConnectionsPerClient < 1 || MaxTcpConnectionsPerClient > MaxTcpConnections)
            throw new ArgumentException($"DNS TCP connections per client {MaxTcpConnectionsPerClient} must be within 1..{MaxTcpConnections} (the global cap)");
        if (TcpMessageTimeout <= TimeSpan.Zero) throw new ArgumentException($"DNS TCP message timeout {TcpMessageTimeout} must be positive, e.g. 2s");
        if (UdpReceiveBufferBytes < 65536) throw new ArgumentException($"DNS UDP receive buffer {UdpReceiveBufferBytes} bytes is below 64 KiB; 4 MiB is the default");
        if (TcpIdleTimeout <= TimeSpan.Zero) throw new ArgumentException($"DNS TCP idle timeout {TcpIdleTimeout} must be positive, e.g. 10s");
        if (UdpReceivers is < 1 or > 64) throw new ArgumentException($"DNS UDP receivers {UdpReceivers} must be within 1..64");
    }
}
