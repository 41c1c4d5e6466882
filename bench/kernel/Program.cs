using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Summoner.Testing;

// Boots real guests under QEMU (TCG here; KVM where it is hardware KVM) and prints the kernel's
// figures. Each timing is a median over several boots in this run.
const int Boots = 10;
CultureInfo inv = CultureInfo.InvariantCulture;

string hello = RepoPaths.Image("hello");
string kerneltest = RepoPaths.Image("kerneltest");
long imageBytes = new FileInfo(hello).Length;
long strippedBytes = StrippedSize(hello);
Console.WriteLine($"accelerator: {Accelerator.QemuAccel}");
Console.WriteLine($"hello image size: {imageBytes} bytes ({strippedBytes} stripped)");

var firstLine = new List<double>();
var entry = new List<double>();
for (int i = 0; i < Boots; i++)
{
    var sw = Stopwatch.StartNew();
    double lineAt = 0;
    GuestRun run = await QemuGuest.RunAsync(hello, TimeSpan.FromSeconds(30), stopWhen: serial =>
    {
        if (lineAt == 0 && serial.Contains('\n', StringComparison.Ordinal)) lineAt = sw.Elapsed.TotalMilliseconds;
        return false;
    });
    if (run.GuestExitCode != 0 || lineAt == 0) return Fail("hello did not boot cleanly:\n" + run);
    firstLine.Add(lineAt);
    Match m = Regex.Match(run.Serial, @"hello from C# \((\d+) us after kernel entry\)");
    if (!m.Success) return Fail("hello printed no entry time:\n" + run);
    entry.Add(double.Parse(m.Groups[1].Value, inv) / 1000.0);
}
double launch = Median(firstLine);
double boot = Median(entry);
Console.WriteLine($"QEMU launch to first line: median {launch:F1} ms, min {firstLine.Min():F1} ms (n={Boots})");
Console.WriteLine($"boot to program entry (guest clock): median {boot:F2} ms, min {entry.Min():F2} ms (n={Boots})");
Console.WriteLine($"  kernel share of launch-to-first-line: {boot / launch:P0} (the rest is QEMU start-up and firmware)");

var pauses = new List<double>();
var walks = new List<double>();
var rates = new List<double>();
var objectRates = new List<double>();
for (int i = 0; i < 3; i++)
{
    GuestRun run = await QemuGuest.RunAsync(kerneltest, TimeSpan.FromSeconds(120), commandLine: "suite=bench heap=16M");
    if (run.GuestExitCode != 0) return Fail("kerneltest suite=bench failed:\n" + run);
    pauses.Add(Figure(run, "bench.gc_pause_median") / 1000.0);
    walks.Add(Figure(run, "bench.walk_median") / 1000.0);
    rates.Add(Figure(run, "bench.alloc_mib_per_s"));
    objectRates.Add(Figure(run, "bench.alloc_objects_per_s"));
}
Console.WriteLine($"GC pause, 4 MiB live in a 16 MiB heap: median {Median(pauses):F2} ms (3 boots x median of 9 collections)");
Console.WriteLine($"  baseline, one traversal of the same 65,536 objects: {Median(walks):F2} ms; pause = {Median(pauses) / Median(walks):F1}x a traversal");
Console.WriteLine($"allocation rate (40-byte objects, collections included): median {Median(rates):F0} MiB/s = {Median(objectRates) / 1e6:F1} M objects/s");
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static long Figure(GuestRun run, string name)
{
    string prefix = "figure " + name + " = ";
    string line = run.Lines.First(l => l.StartsWith(prefix, StringComparison.Ordinal));
    return long.Parse(line[prefix.Length..].Split(' ')[0], CultureInfo.InvariantCulture);
}

static long StrippedSize(string image)
{
    string copy = Path.Combine(Path.GetTempPath(), "summoner-bench-" + Guid.NewGuid().ToString("N") + ".elf");
    try
    {
        File.Copy(image, copy);
        using var strip = Process.Start(new ProcessStartInfo("strip", ["-o", copy, image]) { UseShellExecute = false });
        strip?.WaitForExit();
        return new FileInfo(copy).Length;
    }
    finally
    {
        File.Delete(copy);
    }
}

static int Fail(string message)
{
    Console.Error.WriteLine("bench/kernel: " + message);
    return 1;
}
