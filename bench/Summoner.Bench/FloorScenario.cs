using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Summoner.Bench;

/// <summary>
/// The floor every summon is compared with: launch qemu-system-x86_64 directly (no libvirt) with
/// the same image, machine and user-mode NIC, and time launch → readiness line on the serial
/// console, and launch → first HTTP byte through the forwarded port.
/// </summary>
public sealed class FloorScenario
{
    public required string ImagePath { get; init; }
    public required string Accelerator { get; init; }
    public IPAddress HostAddress { get; init; } = IPAddress.Parse("127.0.0.1");
    public int GuestPort { get; init; } = 80;
    public int MemoryMiB { get; init; } = 64;
    public string ReadyMarker { get; init; } = "summoner: ready tcp/";
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task RunOnceAsync(Series toReady, Series? toFirstByte, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(toReady);
        int hostPort = FreePort(HostAddress);
        var psi = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        string port = GuestPort.ToString(CultureInfo.InvariantCulture);
        foreach (string a in new[]
        {
            "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off", "-accel", Accelerator,
            "-m", MemoryMiB.ToString(CultureInfo.InvariantCulture) + "M", "-smp", "1",
            "-nographic", "-nodefaults", "-no-reboot", "-no-user-config", "-serial", "stdio", "-monitor", "none",
            "-netdev", $"user,id=n0,restrict=on,hostfwd=tcp:{HostAddress}:{hostPort}-:{port}",
            "-device", "virtio-net-device,netdev=n0",
            "-kernel", ImagePath, "-append", $"ip=10.0.2.15/24 gw=10.0.2.2 port={port}",
        })
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var qemu = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu-system-x86_64");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        try
        {
            var text = new StringBuilder();
            var buf = new char[4096];
            while (!text.ToString().Contains(ReadyMarker, StringComparison.Ordinal))
            {
                int n = await qemu.StandardOutput.ReadAsync(buf.AsMemory(), cts.Token).ConfigureAwait(false);
                if (n == 0) throw new InvalidOperationException("the guest exited before its readiness line:\n" + text);
                text.Append(buf, 0, n);
            }
            toReady.Samples.Add(sw.Elapsed.TotalMilliseconds);
            if (toFirstByte is not null)
            {
                await HttpProbe.FirstByteAsync(new IPEndPoint(HostAddress, hostPort), cts.Token).ConfigureAwait(false);
                toFirstByte.Samples.Add(sw.Elapsed.TotalMilliseconds);
            }
        }
        finally
        {
            if (!qemu.HasExited) qemu.Kill(entireProcessTree: true);
            await qemu.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static int FreePort(IPAddress address)
    {
        using var l = new TcpListener(address, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>Sends <c>GET /</c> and returns when the first response byte arrives.</summary>
public static class HttpProbe
{
    public static async Task<string> FirstByteAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        byte[] request = Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {endpoint.Address}\r\nConnection: close\r\n\r\n");
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[4096];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (n == 0) throw new InvalidOperationException($"{endpoint} closed the connection without answering");
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
