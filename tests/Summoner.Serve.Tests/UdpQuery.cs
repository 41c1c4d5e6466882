using System.Net;

namespace Summoner.Serve.Tests;

/// <summary>A bare UDP A query (the benchmark's own client), for load that dig processes would drown a 2-core machine in.</summary>
public static class UdpQuery
{
    public static async Task<(int Rcode, IPAddress? Address)> AAsync(int port, string name, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await Summoner.Bench.Dns.QueryAAsync(port, name, cts.Token);
    }
}
