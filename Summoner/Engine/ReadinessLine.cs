using System.Globalization;

namespace Summoner.Engine;

/// <summary>What one console line says about readiness (<see cref="ReadinessLine.Parse"/>).</summary>
public enum ConsoleSignal
{
    /// <summary>Nothing readiness cares about.</summary>
    None,

    /// <summary><c>summoner: ready tcp/PORT in MS ms</c>: the port listens.</summary>
    ReadyTcp,

    /// <summary><c>summoner: ready udp/PORT in MS ms</c>: the port is bound.</summary>
    ReadyUdp,

    /// <summary><c>summoner: accepted tcp/PORT</c>: the guest's own stack took a connection there.</summary>
    AcceptedTcp,

    /// <summary><c>summoner: tunnel tcp/PORT</c>: the guest's end of the door's UDP tunnel listens (before any UDP port is bound).</summary>
    TunnelTcp,

    /// <summary>The kernel panicked: the boot is over.</summary>
    Panic,
}

/// <summary>
/// The host's side of the readiness lines a guest prints on its serial console. The guest's side
/// is Kernel.Net's <c>Kernel.Net.App.ReadinessLine</c> (guest code cannot reference the host's
/// assembly); the engine tests compile that file and check that every line it formats parses here.
/// </summary>
public static class ReadinessLine
{
    public const string ReadyTcpPrefix = "summoner: ready tcp/";
    public const string AcceptedTcpPrefix = "summoner: accepted tcp/";
    public const string ReadyUdpPrefix = "summoner: ready udp/";
    public const string TunnelTcpPrefix = "summoner: tunnel tcp/";
    public const string PanicMarker = "PANIC";

    /// <summary>Formats a ready line as the guest does (tests and fakes speak the guest's part).</summary>
    public static string ReadyTcp(int port, double milliseconds = 1) =>
        ReadyTcpPrefix + port.ToString(CultureInfo.InvariantCulture) + " in " + milliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string ReadyUdp(int port, double milliseconds = 1) =>
        ReadyUdpPrefix + port.ToString(CultureInfo.InvariantCulture) + " in " + milliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string AcceptedTcp(int port) => AcceptedTcpPrefix + port.ToString(CultureInfo.InvariantCulture);

    public static string TunnelTcp(int port) => TunnelTcpPrefix + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads one line. The marker may follow other text (a log prefix); the port must be followed
    /// by the line's end or a space, so <c>tcp/80</c> is never read as <c>tcp/8</c>.
    /// </summary>
    public static (ConsoleSignal Signal, int Port) Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Contains(PanicMarker, StringComparison.Ordinal)) return (ConsoleSignal.Panic, 0);
        if (PortAfter(line, ReadyTcpPrefix) is { } tcp) return (ConsoleSignal.ReadyTcp, tcp);
        if (PortAfter(line, AcceptedTcpPrefix) is { } accepted) return (ConsoleSignal.AcceptedTcp, accepted);
        if (PortAfter(line, ReadyUdpPrefix) is { } udp) return (ConsoleSignal.ReadyUdp, udp);
        if (PortAfter(line, TunnelTcpPrefix) is { } tunnel) return (ConsoleSignal.TunnelTcp, tunnel);
        return (ConsoleSignal.None, 0);
    }

    private static int? PortAfter(string line, string prefix)
    {
        int at = line.IndexOf(prefix, StringComparison.Ordinal);
        if (at < 0) return null;
        ReadOnlySpan<char> rest = line.AsSpan(at + prefix.Length);
        int end = rest.IndexOf(' ');
        ReadOnlySpan<char> digits = end < 0 ? rest : rest[..end];
        return digits.Length is > 0 and <= 5 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= 65535 ? port : null;
    }
}

/// <summary>
/// Readiness as a pure function of the console lines seen so far: which ports reported ready or
/// accepted, and whether the guest panicked. <see cref="ReadinessProbe"/> feeds it lines and adds
/// the TCP probe; it does no I/O itself.
/// </summary>
/// <param name="tunnel">The guest was given <c>udp_tunnel=</c> (loopback mode with UDP ports): its tunnel
/// line must come before any UDP port's, or the image was built before the tunnel existed.</param>
public sealed class ReadinessState(IReadOnlyList<int> tcpPorts, IReadOnlyList<int> udpPorts, bool tunnel = false)
{
    private readonly HashSet<int> _readyTcp = [];
    private readonly HashSet<int> _readyUdp = [];
    private readonly HashSet<int> _accepted = [];
    private bool _tunnelListens;

    public bool Panicked { get; private set; }

    /// <summary>A UDP port was bound with no tunnel listening: datagrams could never reach it (an old image).</summary>
    public bool MissingTunnel { get; private set; }

    /// <summary>Every TCP port printed its ready line and every UDP port its bound line.</summary>
    public bool Listening => tcpPorts.All(_readyTcp.Contains) && udpPorts.All(_readyUdp.Contains);

    /// <summary>The guest reported a connection its own stack accepted on <paramref name="port"/>.</summary>
    public bool Accepted(int port) => _accepted.Contains(port);

    public void Observe(string line)
    {
        (ConsoleSignal signal, int port) = ReadinessLine.Parse(line);
        switch (signal)
        {
            case ConsoleSignal.Panic: Panicked = true; break;
            case ConsoleSignal.ReadyTcp: _readyTcp.Add(port); break;
            case ConsoleSignal.ReadyUdp:
                _readyUdp.Add(port);
                if (tunnel && !_tunnelListens) MissingTunnel = true;
                break;
            case ConsoleSignal.TunnelTcp: _tunnelListens = true; break;
            case ConsoleSignal.AcceptedTcp: _accepted.Add(port); break;
        }
    }
}
