using System.CommandLine;

namespace Summoner.Bench;

/// <summary>
/// `./summoner bench SCENARIO...` (this program, summoner-bench): measured boot latency, written to
/// bench/results/. A program of its own so the daemon ships none of it: it drives `summoner serve`
/// as a child process, like any client would.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Create().Parse(args).Invoke();

    private static RootCommand Create()
    {
        var scenarios = new Argument<string[]>("SCENARIO") { Description = "floor, cold, first, warm, storm, dns, density, door (default: floor cold warm storm)", Arity = ArgumentArity.ZeroOrMore };
        var samples = new Option<int>("--samples", "-n") { Description = "Samples per series", DefaultValueFactory = _ => 10 };
        var storm = new Option<int>("--storm") { Description = "Concurrent queries in the storm scenario", DefaultValueFactory = _ => 50 };
        var budget = new Option<int>("--density-budget") { Description = "Guest memory budget for the density scenario, MiB", DefaultValueFactory = _ => 1024 };
        var image = new Option<string>("--image") { Description = "Guest image to boot", DefaultValueFactory = _ => Path.Combine("artifacts", "images", "hello.elf") };
        var accel = new Option<string>("--accelerator") { Description = "tcg or kvm (default: kvm only where it is hardware KVM)" };
        var summoner = new Option<string>("--summoner") { Description = "summoner.dll, or a native (NativeAOT) build of it, to run as `serve` (default: this checkout's Release build)", DefaultValueFactory = _ => DefaultSummonerDll() };
        var command = new RootCommand("Measure summon latency against plain QEMU (floor), in one run; report under bench/results/.")
        {
            scenarios, samples, storm, budget, image, accel, summoner,
        };
        command.SetAction(async (r, ct) =>
        {
            string[] chosen = r.GetValue(scenarios) is { Length: > 0 } s ? s : ["floor", "cold", "warm", "storm"];
            string imagePath = Path.GetFullPath(r.GetValue(image)!);
            if (!File.Exists(imagePath))
            {
                Console.Error.WriteLine($"summoner bench: image {imagePath} does not exist: run ./summoner build");
                return 1;
            }
            int n = r.GetValue(samples);
            if (n is < 1 or > 1000 || r.GetValue(storm) is < 1 or > 1000 || r.GetValue(budget) is < 32 or > 65536)
            {
                Console.Error.WriteLine("summoner bench: --samples and --storm must be 1..1000, --density-budget 32..65536 MiB");
                return 1;
            }
            string? accelerator = r.GetValue(accel);
            if (accelerator is not null and not ("tcg" or "kvm"))
            {
                Console.Error.WriteLine($"summoner bench: unknown accelerator '{accelerator}': use tcg or kvm");
                return 1;
            }
            string summonerDll = Path.GetFullPath(r.GetValue(summoner)!);
            if (!File.Exists(summonerDll))
            {
                Console.Error.WriteLine($"summoner bench: {summonerDll} does not exist: run ./summoner build (or give --summoner PATH)");
                return 1;
            }
            var ctx = new BenchContext
            {
                SummonerDll = summonerDll,
                ImagePath = imagePath,
                Accelerator = accelerator ?? (HardwareKvm() ? "kvm" : "tcg"),
                Samples = n,
                StormSize = r.GetValue(storm),
                DensityBudgetMiB = r.GetValue(budget),
                Progress = Console.Out,
            };
            string benchRoot = Directory.Exists("bench") ? Path.GetFullPath("bench") : Directory.GetCurrentDirectory();
            try
            {
                await BenchRunner.RunAsync(ctx, chosen, benchRoot, ct).ConfigureAwait(false);
                return 0;
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine("summoner bench: " + ex.Message);
                return 1;
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                // A guest or a helper (QEMU, serve, dnsperf, nsd) failed: say which and stop; the
                // scenario's own cleanup has already run.
                Console.Error.WriteLine("summoner bench: " + ex.Message);
                return 1;
            }
        });
        return command;
    }

    // This program sits in bench/Summoner.Bench/bin/<configuration>/<tfm>/; the daemon in Summoner/bin/<configuration>/<tfm>/.
    private static string DefaultSummonerDll()
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory);
        DirectoryInfo? configuration = tfm.Parent, root = configuration?.Parent?.Parent?.Parent?.Parent;
        return root is null || configuration is null
            ? Path.Combine(AppContext.BaseDirectory, "summoner.dll")
            : Path.Combine(root.FullName, "Summoner", "bin", configuration.Name, tfm.Name, "summoner.dll");
    }

    // kvm_pvm's /dev/kvm cannot run our ring-0 SSE code (docs/platform.md): only hardware KVM counts.
    private static bool HardwareKvm() =>
        File.Exists("/dev/kvm") && !Directory.Exists("/sys/module/kvm_pvm")
        && (Directory.Exists("/sys/module/kvm_intel") || Directory.Exists("/sys/module/kvm_amd"));
}
