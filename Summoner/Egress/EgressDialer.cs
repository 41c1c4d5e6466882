using System.Net;
using System.Net.Sockets;
using Summoner.Engine;

namespace Summoner.Egress;

/// <summary>
/// Opens the host-side end of an allowed egress connection. A name of one of Summoner's services
/// is dialled at that service's entrance (the door's address), so the connection summons it
/// exactly as a client's would: a cold service boots while the door holds the connection. With
/// [[host]] entries and entrance = "host" there is no door: the service is summoned here and its
/// guest dialled on its host. Other names are resolved here, on the host, when the guest asks.
/// </summary>
/// <param name="zone">Summoner's zone: a name inside it that is no service (any more) fails here, never going to the host's resolver.</param>
public sealed class EgressDialer(SummonEngine engine, string? zone, Func<AddressFamily, Socket>? serviceSockets = null)
{
    private readonly Func<AddressFamily, Socket> _serviceSockets = serviceSockets ?? (f => new Socket(f, SocketType.Stream, ProtocolType.Tcp));

    /// <summary>Connected, or throws <see cref="SocketException"/> / <see cref="OperationCanceledException"/> with why not.</summary>
    public async Task<Socket> DialAsync(string host, int port, CancellationToken cancellationToken)
    {
        string name = EgressPolicy.Normalize(host);
        ServiceOwner? service = engine.Services.FirstOrDefault(s => s.Spec.DnsNames.Contains(name, StringComparer.OrdinalIgnoreCase));
        IPAddress address;
        Socket socket;
        if (service?.Spec.PublicAddress is { } entrance)
        {
            address = entrance;
            // Bridge mode: the door's addresses live in the bridge's namespace.
            socket = _serviceSockets(address.AddressFamily);
        }
        else if (service is not null)
        {
            // [[host]] entries with entrance = "host": no address here holds the connection, so the
            // broker summons the service itself, as a DNS query would, and dials the guest on its host.
            TimeSpan deadline = engine.Options.CapWait + service.Spec.BootDeadline;
            SummonOutcome outcome;
            try
            {
                outcome = await service.SummonAsync(SummonTrigger.Connect, client: null).WaitAsync(deadline, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                outcome = SummonOutcome.Fail(SummonFailure.Deadline, $"not ready within {deadline.TotalMilliseconds:0} ms");
            }
            address = outcome.Address
                ?? throw new SocketException((int)SocketError.HostUnreachable, $"{name}: no guest to connect to ({outcome.Detail ?? outcome.Failure.ToString()})");
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        else if (zone is not null && (name == zone || name.EndsWith("." + zone, StringComparison.Ordinal)))
        {
            throw new SocketException((int)SocketError.HostNotFound, $"{name} is in Summoner's zone but no service has that name now");
        }
        else
        {
            if (!IPAddress.TryParse(name, out IPAddress? literal))
            {
                IPAddress[] found = await System.Net.Dns.GetHostAddressesAsync(name, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false);
                literal = found.FirstOrDefault() ?? throw new SocketException((int)SocketError.HostNotFound);
            }
            address = literal;
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
