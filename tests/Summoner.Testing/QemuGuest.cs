using System.Diagnostics;
using System.Text;

namespace Summoner.Testing;

/// <summary>Outcome of one guest run: the guest's exit status, everything it printed, and timings.</summary>
public sealed record GuestRun(int? GuestExitCode, int QemuExitCode, bool TimedOut, string Serial, TimeSpan Elapsed, TimeSpan? FirstByte)
{
    public string[] Lines => Serial.Replace("\r", "", StringComparison.Ordinal).Split('\n');

    public override string ToString() =>
        $"exit={GuestExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} qemu={QemuExitCode} timedOut={TimedOut} elapsed={Elapsed.TotalMilliseconds:F1}ms\n{Serial}";
}

/// <summary>
/// Boots a guest image directly with qemu-system-x86_64 (-M microvm, PVH, isa-debug-exit) and
/// captures its serial console. The guest's exit status is recovered from isa-debug-exit's
/// (code &lt;&lt; 1) | 1 convention; any other QEMU status means the guest did not power off itself.
/// </summary>
public static class QemuGuest
{
    public static IReadOnlyList<string> Arguments(string image, string? commandLine = null, int memoryMiB = 128, IEnumerable<string>? extra = null)
    {
        var args = new List<string>
        {
            "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off",
            "-accel", Accelerator.QemuAccel,
            "-m", memoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture) + "M",
            "-smp", "1",
            "-nographic", "-nodefaults", "-no-reboot", "-no-user-config",
            "-serial", "stdio", "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", image,
        };
        if (commandLine is not null) { args.Add("-append"); args.Add(commandLine); }
        if (extra is not null) args.AddRange(extra);
        return args;
    }

    public static async Task<GuestRun> RunAsync(string image, TimeSpan timeout, string? commandLine = null, int memoryMiB = 128,
        IEnumerable<string>? extraArgs = null, Func<string, bool>? stopWhen = null, Action<Process>? onStarted = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in Arguments(image, commandLine, memoryMiB, extraArgs)) psi.ArgumentList.Add(a);

        var sw = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start qemu-system-x86_64: run ./summoner build (it installs qemu-system-x86)");
        onStarted?.Invoke(process);
        var serial = new StringBuilder();
        TimeSpan? firstByte = null;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        bool timedOut = false;
        bool stopped = false;
        var buffer = new char[4096];
        try
        {
            while (true)
            {
                int n = await process.StandardOutput.ReadAsync(buffer.AsMemory(), cts.Token).ConfigureAwait(false);
                if (n == 0) break;
                firstByte ??= sw.Elapsed;
                lock (serial) serial.Append(buffer, 0, n);
                if (stopWhen is not null && stopWhen(serial.ToString())) { stopped = true; break; }
            }
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            timedOut = true;
        }
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        sw.Stop();
        string err = await stderr.ConfigureAwait(false);
        int code = process.ExitCode;
        int? guestCode = !timedOut && !stopped && (code & 1) == 1 ? code >> 1 : null;
        string text = serial.ToString();
        if (err.Length > 0) text += "\n[qemu stderr] " + err;
        return new GuestRun(guestCode, code, timedOut, text, sw.Elapsed, firstByte);
    }
}
