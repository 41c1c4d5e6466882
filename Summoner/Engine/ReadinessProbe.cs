using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Summoner.Engine;

/// <summary>
/// Decides when a booting guest is ready: it printed <c>summoner: ready tcp/PORT</c> for each of
/// its ports on the serial console, the host completed a TCP connection to each port at the
/// service address, and the guest printed <c>summoner: accepted tcp/PORT</c>: its own stack took
/// a connection there. The last line is what proves it on QEMU user networking, whose host-side
/// forwarder accepts the host's connection by itself before it connects to the guest. A panic
/// line ends the wait early with the console's last lines.
/// A UDP port is ready once the guest printed <c>summoner: ready udp/PORT</c>: its own stack bound
/// the port. No probe datagram follows, because UDP has no handshake the host could complete: an
/// app need not answer a datagram it does not understand (a DNS server drops garbage, an echo
/// service would echo it), so silence would prove nothing and a reply would need a per-protocol
/// probe. QEMU's UDP forward exists from the moment QEMU starts, so once the guest's socket is
/// bound a datagram sent to the forward reaches it.
/// </summary>
public static class ReadinessProbe
{
    public const string ReadyPrefix = "summoner: ready tcp/";
    public const string AcceptedPrefix = "summoner: accepted tcp/";
    public const string ReadyUdpPrefix = "summoner: ready udp/";

    /// <summary>How long one probe connection may take to show up in the guest before the next try.</summary>
    private static readonly TimeSpan AcceptedWait = TimeSpan.FromMilliseconds(500);

    /// <summary>Waits for the readiness lines of TCP <paramref name="ports"/> and UDP <paramref name="udpPorts"/>; returns how long that took.</summary>
    public static async Task<TimeSpan> WaitForConsoleAsync(ConsoleTail console, IReadOnlyList<int> ports, IReadOnlyList<int> udpPorts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        // The lines go on with " in 1.2 ms": the space keeps tcp/8 from matching tcp/80.
        string[] tcpLines = [.. ports.Select(p => ReadyPrefix + p.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ")];
        string[] udpLines = [.. udpPorts.Select(p => ReadyUdpPrefix + p.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ")];
        var sw = Stopwatch.StartNew();
        int delayMs = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (console.Poll())
            {
                string text = console.Text;
                if (text.Contains("PANIC", StringComparison.Ordinal))
                    throw new GuestBootException("the guest panicked during boot", console.LastLines(20));
                if (tcpLines.All(l => text.Contains(l, StringComparison.Ordinal))
                    && udpLines.All(l => text.Contains(l, StringComparison.Ordinal)))
                    return sw.Elapsed;
                delayMs = 1;
            }
            // Poll often at first (the console fills within milliseconds), back off on long boots.
            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            delayMs = Math.Min(delayMs * 2, 16);
        }
    }

    /// <summary>Connects to every port until the guest reports that it accepted a connection
    /// there (the console line); returns how long that took.</summary>
    public static async Task<TimeSpan> WaitForTcpAsync(IPAddress address, IReadOnlyList<int> ports, ConsoleTail console, CancellationToken cancellationToken, Func<AddressFamily, Socket>? sockets = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        var sw = Stopwatch.StartNew();
        foreach (int port in ports)
        {
            // The whole line: "accepted tcp/8" must not be read in "accepted tcp/80".
            string accepted = AcceptedPrefix + port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n";
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using (Socket socket = sockets?.Invoke(address.AddressFamily) ?? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
                {
                    try
                    {
                        await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                        socket.Shutdown(SocketShutdown.Both);
                    }
                    catch (SocketException)
                    {
                        await Task.Delay(2, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }
                if (await WaitForLineAsync(console, accepted, AcceptedWait, cancellationToken).ConfigureAwait(false)) break;
            }
        }
        return sw.Elapsed;
    }

    private static async Task<bool> WaitForLineAsync(ConsoleTail console, string line, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            console.Poll();
            string text = console.Text;
            if (text.Contains(line, StringComparison.Ordinal)) return true;
            if (text.Contains("PANIC", StringComparison.Ordinal))
                throw new GuestBootException("the guest panicked during boot", console.LastLines(20));
            if (sw.Elapsed >= timeout) return false;
            // The line follows the connection within a millisecond or two: poll tightly.
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>A boot that did not reach readiness; carries the console's last lines for the log.</summary>
public sealed class GuestBootException : Exception
{
    public GuestBootException(string message, string consoleTail) : base(message) { ConsoleTail = consoleTail; }
    public GuestBootException(string message) : base(message) { ConsoleTail = ""; }
    public GuestBootException() : base("guest boot failed") { ConsoleTail = ""; }
    public GuestBootException(string message, Exception inner) : base(message, inner) { ConsoleTail = ""; }

    public string ConsoleTail { get; }
}
