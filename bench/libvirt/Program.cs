using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Summoner.Bench.Libvirt;
using Summoner.Libvirt;

// Usage: libvirt-bench [runs] [--create-only]   (default 10). Needs root, qemu-system-x86 and libvirt's QEMU driver.
// --create-only times virDomainCreateXML alone, nothing else running in this process (no serial
// watcher spinning beside it): run it under LIBVIRT_LOG_OUTPUTS to split a create into its parts.
int runs = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
bool createOnly = args.Contains("--create-only");
var timeout = TimeSpan.FromSeconds(30);
string root = Path.Combine(Path.GetTempPath(), $"sumlv-bench-{Environment.ProcessId}");
string work = Path.Combine(root, "work");
Directory.CreateDirectory(work);
string image = Path.Combine(work, "tick.elf");
ProbeImage.WriteTicking(image); // prints a line, then '.' about every millisecond: resumed guests show themselves

try
{
    var open = Stopwatch.StartNew();
    using var connection = EmbeddedDriver.Open(new EmbeddedDriverOptions { StateDirectory = Path.Combine(root, "libvirt") });
    Console.WriteLine($"embedded driver open: {open.Elapsed.TotalMilliseconds:F0} ms");
    var decision = await AcceleratorProbe.DecideAsync(connection, work);
    Console.WriteLine($"accelerator: {decision.Accelerator} ({decision.Reason})");
    // The probe's first start also paid for QEMU's capability probe (cached under root/cache).

    if (createOnly)
    {
        var calls = new Series("virDomainCreateXML call returns, nothing else running");
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            using var d = connection.CreateDomain(Spec($"bench-only-{i}", image, Path.Combine(work, $"o{i}.serial"), decision.Accelerator));
            calls.Add(clock.Elapsed);
            await Task.Delay(100);
            d.Destroy();
        }
        Console.WriteLine(calls.Row(calls.Median));
        return 0;
    }

    var plain = new Series("plain QEMU launch → first serial byte (baseline)");
    var create = new Series("virDomainCreateXML → first serial byte");
    var createCall = new Series("virDomainCreateXML call returns");
    var pausedResume = new Series("resume → first byte, created paused");
    var suspendedResume = new Series("resume → next byte, booted then suspended");
    var resumeCall = new Series("virDomainResume call returns");
    var destroy = new Series("virDomainDestroy, with ChildReaper");
    var destroyNoReaper = new Series("virDomainDestroy, QEMU left to PID 1");

    for (int i = 0; i < runs; i++)
    {
        plain.Add(await PlainQemuFirstByteAsync(image, decision.Accelerator, timeout));

        string serial = Path.Combine(work, $"c{i}.serial");
        var spec = Spec($"bench-create-{i}", image, serial, decision.Accelerator);
        var clock = Stopwatch.StartNew();
        var first = SerialWatch.WhenLongerThan(serial, 0, clock, timeout);
        using (var d = connection.CreateDomain(spec))
        {
            createCall.Add(clock.Elapsed);
            create.Add(await first);
            destroy.Add(Time(d.Destroy));
        }

        serial = Path.Combine(work, $"p{i}.serial");
        using (var d = connection.CreateDomain(Spec($"bench-paused-{i}", image, serial, decision.Accelerator), startPaused: true))
        {
            await Task.Delay(50);
            clock = Stopwatch.StartNew();
            first = SerialWatch.WhenLongerThan(serial, 0, clock, timeout);
            d.Resume();
            resumeCall.Add(clock.Elapsed);
            pausedResume.Add(await first);
            d.Destroy();
        }

        serial = Path.Combine(work, $"s{i}.serial");
        using (var d = connection.CreateDomain(Spec($"bench-suspended-{i}", image, serial, decision.Accelerator)))
        {
            await SerialWatch.WhenLongerThan(serial, 0, Stopwatch.StartNew(), timeout);
            await Task.Delay(20);
            d.Suspend();
            await Task.Delay(50); // let QEMU flush whatever the vCPU wrote before it stopped
            long length = SerialWatch.LengthOf(serial);
            clock = Stopwatch.StartNew();
            first = SerialWatch.WhenLongerThan(serial, length, clock, timeout);
            d.Resume();
            suspendedResume.Add(await first);
            d.Destroy();
        }
    }

    // Destroy without prompt reaping: stop being a subreaper, so QEMU's orphans go to PID 1.
    if (prctl(36, 0, 0, 0, 0) == 0)
    {
        for (int i = 0; i < Math.Min(runs, 5); i++)
        {
            string serial = Path.Combine(work, $"n{i}.serial");
            using var d = connection.CreateDomain(Spec($"bench-noreap-{i}", image, serial, decision.Accelerator));
            await SerialWatch.WhenLongerThan(serial, 0, Stopwatch.StartNew(), timeout);
            destroyNoReaper.Add(Time(d.Destroy));
        }
        _ = prctl(36, 1, 0, 0, 0);
    }

    double baseline = plain.Median;
    Console.WriteLine();
    Console.WriteLine($"Summoner.Libvirt, embedded driver (qemu:///embed), microvm, {decision.Accelerator}, {runs} runs, ms; ratio = median / plain-QEMU median");
    Console.WriteLine("| path | min | median | max | ratio |");
    Console.WriteLine("|---|---|---|---|---|");
    foreach (var s in new[] { plain, create, createCall, pausedResume, suspendedResume, resumeCall, destroy, destroyNoReaper })
        Console.WriteLine(s.Row(baseline));
    return 0;
}
finally
{
    try { Directory.Delete(root, recursive: true); } catch (IOException) { }
}

static DomainSpec Spec(string name, string image, string serial, Summoner.Libvirt.Accelerator accelerator) => new()
{
    Name = name,
    KernelPath = image,
    Serial = new SerialConsole.ToFile(serial),
    Accelerator = accelerator,
    MemoryMiB = 32,
    // As serve creates its guests: without it libvirt reads the CPU back with ~400 QMP commands.
    MaskedQemuCapabilities = DomainSpec.CpuProbeMask,
};

static TimeSpan Time(Action action)
{
    var clock = Stopwatch.StartNew();
    action();
    return clock.Elapsed;
}

// Same machine and flags libvirt generates for the spec above (microvm, no ACPI, no defaults), serial on a pipe.
static async Task<TimeSpan> PlainQemuFirstByteAsync(string image, Summoner.Libvirt.Accelerator accelerator, TimeSpan timeout)
{
    var psi = new ProcessStartInfo("/usr/bin/qemu-system-x86_64") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (string a in new[] { "-machine", "microvm", "-accel", accelerator == Summoner.Libvirt.Accelerator.Kvm ? "kvm" : "tcg", "-cpu", "qemu64",
        "-m", "32", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-acpi", "-serial", "stdio", "-kernel", image })
        psi.ArgumentList.Add(a);
    var clock = Stopwatch.StartNew();
    using var qemu = Process.Start(psi)!;
    using var cts = new CancellationTokenSource(timeout);
    var buffer = new byte[1];
    int n = await qemu.StandardOutput.BaseStream.ReadAsync(buffer, cts.Token);
    var elapsed = clock.Elapsed;
    qemu.Kill();
    await qemu.WaitForExitAsync(CancellationToken.None);
    if (n == 0) throw new InvalidOperationException("plain QEMU printed nothing: " + await qemu.StandardError.ReadToEndAsync());
    return elapsed;
}

[DllImport("libc", SetLastError = true)]
static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
