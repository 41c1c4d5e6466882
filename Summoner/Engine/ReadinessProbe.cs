using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Summoner.Engine;

/// <summary>
/// Waits until a booting guest is ready: it printed <c>summoner: ready tcp/PORT</c> for each of
/// its ports on the serial console, the host completed a TCP connection to each port at the
/// service address, and the guest printed <c>summoner: accepted tcp/PORT</c>: its own stack took
/// a connection there. The last line is what proves it on QEMU user networking, whose host-side
/// forwarder accepts the host's connection by itself before it connects to the guest. A panic
/// line ends the wait early with the console's last lines.
/// A UDP port is ready once the guest printed <c>summoner: ready udp/PORT</c>: its own stack bound
/// the port. No probe datagram follows, because UDP has no handshake the host could complete: an
/// app need not answer a datagram it does not understand (a DNS server drops garbage, an echo
/// service would echo it), so silence would prove nothing and a reply would need a per-protocol
/// probe. The way in is there before the line: in bridge mode the guest's address itself; in
/// loopback mode the door's tunnel, whose TCP forward exists from the moment QEMU starts and whose
/// guest listener Kernel.Net opens before the app binds anything, so once the socket is bound a
/// datagram sent through the door reaches it.
/// What the lines mean is <see cref="ReadinessState"/>'s alone (no I/O); this class reads them from
/// the guest's console (<see cref="IGuest.ReadConsole"/>) and makes the probe connections.
/// </summary>
public static class ReadinessProbe
{
    /// <summary>How long one probe connection may take to show up in the guest before the next try.</summary>
    private static readonly TimeSpan AcceptedWait = TimeSpan.FromMilliseconds(500);

    /// <summary>Reads console lines until every port's readiness line arrived; returns how long that took.</summary>
    public static async Task<TimeSpan> WaitForConsoleAsync(IConsoleReader console, ReadinessState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(state);
        var sw = Stopwatch.StartNew();
        while (!state.Listening)
            await ObserveNextAsync(console, state, cancellationToken).ConfigureAwait(false);
        return sw.Elapsed;
    }

    /// <summary>Connects to every port until the guest reports that it accepted a connection
    /// there (the console line); returns how long that took.</summary>
    public static async Task<TimeSpan> WaitForTcpAsync(IPAddress address, IReadOnlyList<int> ports, IConsoleReader console, ReadinessState state, CancellationToken cancellationToken, Func<AddressFamily, Socket>? sockets = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(state);
        var sw = Stopwatch.StartNew();
        foreach (int port in ports)
        {
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
                if (await WaitForAcceptedAsync(console, state, port, AcceptedWait, cancellationToken).ConfigureAwait(false)) break;
            }
        }
        return sw.Elapsed;
    }

    private static async Task<bool> WaitForAcceptedAsync(IConsoleReader console, ReadinessState state, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            while (!state.Accepted(port))
                await ObserveNextAsync(console, state, wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task ObserveNextAsync(IConsoleReader console, ReadinessState state, CancellationToken cancellationToken)
    {
        state.Observe(await console.ReadLineAsync(cancellationToken).ConfigureAwait(false));
        if (state.Panicked) throw new GuestBootException("the guest panicked during boot", console.Tail(20));
        if (state.MissingTunnel)
            throw new GuestBootException("the guest bound a UDP port but opened no UDP tunnel: its image was built before Summoner carried "
                + "datagrams over the door's TCP tunnel (loopback mode), so none would reach it; rebuild the image with this Summoner's SDK (./summoner build, or dotnet build of the app)", console.Tail(20));
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
