using System.Net;
using Summoner.Testing;

namespace Summoner.Libvirt.Tests;

/// <summary>Guests whose serial console is read through libvirt (<see cref="SerialConsole.ToPty"/>), shared by the embedded and daemon console tests.</summary>
internal static class ConsoleGuests
{
    public static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);

    /// <summary>The echo app on QEMU user networking (port 7 forwarded from a free loopback port), console on a pty.</summary>
    public static DomainSpec Echo(string name, string kernelPath) => new()
    {
        Name = name,
        KernelPath = kernelPath,
        KernelCommandLine = "ip=10.0.2.15/24 gw=10.0.2.2 port=7",
        Serial = new SerialConsole.ToPty(),
        Accelerator = Summoner.Testing.Accelerator.HardwareKvm ? Accelerator.Kvm : Accelerator.Tcg,
        MemoryMiB = 32,
        Nics = [new UserNic { Forwards = [new PortForward(ForwardProtocol.Tcp, IPAddress.Loopback, FreePort.Loopback(), 7)] }],
    };

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>; fails with every line seen.</summary>
    public static async Task<(string Line, List<string> Seen)> ReadUntilAsync(DomainConsole console, string prefix, TimeSpan timeout)
    {
        var seen = new List<string>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await console.ReadLineAsync(cts.Token) is { } line)
            {
                seen.Add(line);
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return (line, seen);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"no console line starting '{prefix}' within {timeout.TotalSeconds:F0} s; lines: [{string.Join(" | ", seen)}]");
        }
        throw new InvalidOperationException($"the console ended before a line starting '{prefix}'; lines: [{string.Join(" | ", seen)}]");
    }

    /// <summary>Reads until the console ends (null); fails if it does not within <paramref name="timeout"/>.</summary>
    public static async Task<List<string>> ReadToEndAsync(DomainConsole console, TimeSpan timeout)
    {
        var seen = new List<string>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await console.ReadLineAsync(cts.Token) is { } line) seen.Add(line);
            return seen;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"the console did not end within {timeout.TotalSeconds:F0} s; lines: [{string.Join(" | ", seen)}]");
        }
    }
}
