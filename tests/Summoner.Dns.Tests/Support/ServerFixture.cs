using System.Net;

namespace Summoner.Dns.Tests.Support;

/// <summary>One running server on 127.0.0.1 with a free port, shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(4);

    public DnsServer Server { get; private set; } = null!;

    public int Port => Server.LocalEndpoint.Port;

    public Task InitializeAsync()
    {
        Server = new DnsServer(TestZone.Catalog(), new TestServices(), new DnsServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServiceAnswerDeadline = Deadline,
            TcpIdleTimeout = TimeSpan.FromSeconds(2),
            MaxTcpConnections = 8,
            MaxTcpConnectionsPerClient = 8,
        });
        Server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
