using System.Net;
using System.Net.Sockets;

namespace Summoner.Testing;

/// <summary>Ports the kernel picks, so that tests running side by side never agree on a fixed one.</summary>
public static class FreePort
{
    /// <summary>
    /// A TCP port that was free on 127.0.0.1 a moment ago. It is released before returning, so
    /// another process could take it first; callers bind it at once.
    /// </summary>
    public static int Loopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
