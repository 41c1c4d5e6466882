using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Summoner.Egress;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>
/// Egress to another service by name with [[host]] entries and entrance = "host": no door holds the
/// service's address, so the broker's dialer summons it and connects to the guest on its host. The
/// "host" is an in-memory driver whose guests take loopback addresses; the test listens on the port
/// for any address, so the connection shows which address was dialled.
/// </summary>
[Trait("Category", "unit")]
public sealed class EgressToHostsTests
{
    private static async Task<(SummonEngine Engine, HostSet Hosts, MemoryDriver Driver)> StartAsync()
    {
        var driver = new MemoryDriver(TimeProvider.System) { BootTime = TimeSpan.FromMilliseconds(50) };
        var hosts = new HostSet([new HostDefinition("h0", new LoopbackNetworkPlan(IPAddress.Parse("127.93.0.1"), 16), 4, 1024,
            _ => driver.Alive ? Task.FromResult<IGuestDriver>(driver) : Task.FromException<IGuestDriver>(new InvalidOperationException("connection refused")))],
            PlacementRule.Spread, "instance-e", NullLogger.Instance);
        await hosts.StartAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), CancellationToken.None);
        // No PublicAddress: what EngineSetup gives a service when clients connect to the hosts.
        var spec = new ServiceSpec("api", ["api.summoner.test"], "/nonexistent.elf", [], 64, 1, "",
            TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5), 0, PoolMode.Booted) { UdpPorts = [5353] };
        var engine = new SummonEngine([spec], hosts, hosts, new EngineOptions { StateDirectory = "/nonexistent", ReapInterval = TimeSpan.FromDays(1), InstanceId = "instance-e" });
        await engine.StartAsync(CancellationToken.None);
        return (engine, hosts, driver);
    }

    [Fact]
    public async Task A_cold_service_is_summoned_and_its_guest_dialled_on_its_host()
    {
        var (engine, hosts, driver) = await StartAsync();
        await using var _e = engine;
        await using var _h = hosts;
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var dialer = new EgressDialer(engine, "summoner.test");
        Assert.Equal(SummonState.Cold, engine.Find("api")!.State);

        using Socket outbound = await dialer.DialAsync("API.summoner.test.", port, CancellationToken.None);
        using Socket accepted = await listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, driver.Creates);
        Assert.Equal(SummonState.Ready, engine.Find("api")!.State);
        IPAddress guest = ((LoopbackNetwork)engine.Find("api")!.Network!).HostAddress;
        Assert.Equal(guest, ((IPEndPoint)accepted.LocalEndPoint!).Address);
        Assert.Equal(guest, ((IPEndPoint)outbound.RemoteEndPoint!).Address);
    }

    [Fact]
    public async Task With_every_host_down_the_dial_fails_with_why()
    {
        var (engine, hosts, driver) = await StartAsync();
        await using var _e = engine;
        await using var _h = hosts;
        driver.Alive = false;
        hosts.MarkDown("h0", "test");
        var dialer = new EgressDialer(engine, "summoner.test");

        var refused = await Assert.ThrowsAsync<SocketException>(() => dialer.DialAsync("api.summoner.test", 80, CancellationToken.None));

        Assert.Contains("api.summoner.test: no guest to connect to", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, driver.Creates);
    }
}
