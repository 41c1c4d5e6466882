using System.Diagnostics;
using System.Text;
using Summoner.Testing;

namespace Kernel.Net.Tests;

/// <summary>
/// A guest image kept running under QEMU (TCG, -M microvm) while a test talks to it; the serial
/// console is collected so the test can wait for the readiness line. Disposing kills QEMU.
/// </summary>
internal sealed class RunningGuest : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _serial = new();

    /// <param name="netns">Run QEMU inside this network namespace (its tap is created there).</param>
    public RunningGuest(string image, string commandLine, IEnumerable<string> qemuArgs, string? netns = null)
    {
        var psi = new ProcessStartInfo(netns is null ? "qemu-system-x86_64" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (netns is not null)
        {
            foreach (string a in new[] { "netns", "exec", netns, "qemu-system-x86_64" }) psi.ArgumentList.Add(a);
        }
        foreach (string a in QemuGuest.Arguments(image, commandLine, 128, qemuArgs)) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start qemu-system-x86_64: run ./summoner setup");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_serial) _serial.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_serial) _serial.AppendLine("[qemu] " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Boots <paramref name="image"/> with slirp (restrict=on) forwarding a free loopback port to the
    /// guest's port 80, and waits for its readiness line.</summary>
    public static async Task<(RunningGuest Guest, int Port)> StartForwardedAsync(string image, string commandLine, TimeSpan boot, IEnumerable<string>? extraQemuArgs = null)
    {
        int port = FreePort.Loopback();
        var guest = new RunningGuest(image, commandLine,
            ["-netdev", $"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:80", "-device", "virtio-net-device,netdev=n0", .. extraQemuArgs ?? []]);
        try
        {
            await guest.WaitReadyAsync(boot);
        }
        catch
        {
            guest.Dispose();
            throw;
        }
        return (guest, port);
    }

    public string Serial
    {
        get { lock (_serial) return _serial.ToString(); }
    }

    /// <summary>Waits for the readiness line; fails with the console so far if it does not come or QEMU exits.</summary>
    public Task WaitReadyAsync(TimeSpan timeout) => WaitForAsync("summoner: ready tcp/", timeout);

    /// <summary>Waits until the console shows <paramref name="marker"/>; fails with the console so far if it does not or QEMU exits.</summary>
    public async Task WaitForAsync(string marker, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!Serial.Contains(marker, StringComparison.Ordinal))
        {
            if (_process.HasExited || sw.Elapsed > timeout)
                throw new TimeoutException($"no '{marker}' from the guest after {sw.Elapsed.TotalSeconds:F1} s (exited={_process.HasExited}):\n{Serial}");
            await Task.Delay(20);
        }
    }

    /// <summary>A loopback TCP port free right now (for slirp's hostfwd).</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
