using System.Net;
using System.Net.Sockets;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>The readiness probe reads whole console lines: a port's number is never matched inside a longer one.</summary>
[Trait("Category", "unit")]
public sealed class ReadinessProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("summoner-probe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_ready_line_of_port_80_does_not_make_port_8_ready()
    {
        string path = Path.Combine(_dir, "console.log");
        await File.WriteAllTextAsync(path, "summoner: ready tcp/80 in 1.0 ms\nsummoner: ready udp/530 in 1.1 ms\n");
        async Task Wait(int[] tcp, int[] udp, TimeSpan limit)
        {
            using var console = new ConsoleTail(path);
            using var cts = new CancellationTokenSource(limit);
            await ReadinessProbe.WaitForConsoleAsync(console, tcp, udp, cts.Token);
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wait([8], [], TimeSpan.FromMilliseconds(300)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wait([], [53], TimeSpan.FromMilliseconds(300)));
        await Wait([80], [530], TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_accepted_line_for_port_80_does_not_prove_port_8()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string path = Path.Combine(_dir, "accepted.log");
        // What a guest listening on port*10 would print; the probe connects to port (the listener above).
        await File.WriteAllTextAsync(path, $"summoner: accepted tcp/{port}0\n");
        using var console = new ConsoleTail(path);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadinessProbe.WaitForTcpAsync(IPAddress.Loopback, [port], console, cts.Token));
        await File.AppendAllTextAsync(path, $"summoner: accepted tcp/{port}\n");
        using var ok = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ReadinessProbe.WaitForTcpAsync(IPAddress.Loopback, [port], console, ok.Token);
    }
}
