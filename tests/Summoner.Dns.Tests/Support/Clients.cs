namespace Summoner.Dns.Tests.Support;

/// <summary>dig and kdig pointed at a test server on 127.0.0.1, one query per call, no retries.</summary>
public static class Clients
{
    public static async Task<DigOutput> DigAsync(int port, params string[] query) =>
        DigOutput.Parse(await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", port.ToString(), "+time=10", "+tries=1", .. query]));

    public static async Task<DigOutput> KdigAsync(int port, params string[] query) =>
        DigOutput.Parse(await ExternalTool.RunAsync("kdig", ["@127.0.0.1", "-p", port.ToString(), "+time=10", "+retry=0", .. query]));
}
