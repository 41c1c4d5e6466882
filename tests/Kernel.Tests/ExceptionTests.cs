using EhTest;
using Summoner.Testing;
using Xunit;

namespace Kernel.Tests;

/// <summary>
/// Runs tests/guests/ehtest/Checks once on .NET (in this process) and once in the ehtest guest image,
/// keeping both outputs for <see cref="ExceptionTests"/>.
/// </summary>
public sealed class ExceptionCheckRun : IAsyncLifetime
{
    public IReadOnlyList<string> HostLines { get; private set; } = [];

    public IReadOnlyList<string> GuestLines { get; private set; } = [];

    public GuestRun Guest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var host = new List<string>();
        Checks.Run(host.Add);
        HostLines = host;
        // A 4 MiB heap: the "gc" section allocates many times that while exceptions are in flight.
        Guest = await QemuGuest.RunAsync(RepoPaths.Image("ehtest"), TimeSpan.FromSeconds(120), commandLine: "heap=4M");
        GuestLines = Guest.Lines.Where(IsCheckLine).ToList();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static bool IsCheckLine(string line)
    {
        if (line == Checks.EndMarker) return true;
        int dot = line.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Checks.Sections.Contains(line[..dot]) && line.Contains(": ", StringComparison.Ordinal);
    }

    public static string[] Section(IEnumerable<string> lines, string section)
        => lines.Where(line => line.StartsWith(section + ".", StringComparison.Ordinal)).ToArray();
}

/// <summary>
/// try/catch/finally, filters, rethrow, using and runtime-raised exceptions behave in the guest
/// exactly as on .NET (same checks, same output); a million throw/catch iterations leave the heap
/// as it was; an unhandled exception ends the VM with its type, message and a backtrace.
/// </summary>
[Trait("Category", "qemu")]
public sealed class ExceptionTests : IClassFixture<ExceptionCheckRun>
{
    private const int UnhandledExceptionStatus = 4;
    private readonly ExceptionCheckRun _run;

    public ExceptionTests(ExceptionCheckRun run) { _run = run; }

    public static TheoryData<string> Sections() => new(Checks.Sections);

    [Theory]
    [MemberData(nameof(Sections))]
    public void Guest_section_prints_what_dotnet_prints(string section)
    {
        string[] expected = ExceptionCheckRun.Section(_run.HostLines, section);
        string[] actual = ExceptionCheckRun.Section(_run.GuestLines, section);
        Assert.NotEmpty(expected);
        Assert.True(actual.Length > 0, $"the guest printed nothing for section '{section}':\n{Tail(_run.Guest.Serial)}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(i < actual.Length, $"guest stopped after {actual.Length} of {expected.Length} '{section}' lines:\n{Tail(_run.Guest.Serial)}");
            Assert.Equal(expected[i], actual[i]);
        }
        Assert.Equal(expected.Length, actual.Length);
    }

    [Fact]
    public void Guest_runs_every_check_and_powers_off_with_success()
    {
        Assert.False(_run.Guest.TimedOut, _run.Guest.ToString());
        Assert.Equal(_run.HostLines, _run.GuestLines);
        Assert.Equal(Checks.EndMarker, _run.HostLines[^1]);
        Assert.Equal(0, _run.Guest.GuestExitCode);
    }

    [Fact]
    public async Task A_million_throw_catch_iterations_with_allocation_keep_the_heap_stable()
    {
        const int iterations = 1_000_000;
        // 8 MiB of heap against ~130 MB allocated: the collector runs many times mid-stress.
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("ehtest"), TimeSpan.FromSeconds(600), commandLine: $"heap=8M stress={iterations}");
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains($"stress: iterations={iterations} caught={iterations} finallies={iterations} checksum=3500000", run.Serial, StringComparison.Ordinal);
        long before = HeapFigure(run, "before", "live");
        long after = HeapFigure(run, "after", "live");
        Assert.True(after - before <= 4096, $"live heap grew from {before} to {after} bytes:\n{run}");
        Assert.True(HeapFigure(run, "after", "collections") - HeapFigure(run, "before", "collections") >= 10, $"expected the collector to run during the stress:\n{run}");
        Assert.Equal(0, run.GuestExitCode);
    }

    [Fact]
    public async Task Unhandled_exception_ends_the_guest_with_type_message_and_backtrace_without_running_finally()
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("ehtest"), TimeSpan.FromSeconds(60), commandLine: "unhandled=throw");
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains("PANIC: unhandled exception System.InvalidOperationException: port 99999 is out of range", run.Serial, StringComparison.Ordinal);
        Assert.Contains("thrown in ehtest_EhTest_Unhandled__ReadPort", run.Serial, StringComparison.Ordinal);
        // The backtrace follows the frames, innermost first.
        string[] frames = run.Lines.SkipWhile(l => l != "backtrace:").Skip(1).Where(l => l.StartsWith("  at ", StringComparison.Ordinal)).ToArray();
        int readPort = Array.FindIndex(frames, l => l.Contains("EhTest_Unhandled__ReadPort", StringComparison.Ordinal));
        int configure = Array.FindIndex(frames, l => l.Contains("EhTest_Unhandled__Configure", StringComparison.Ordinal));
        int runFrame = Array.FindIndex(frames, l => l.Contains("EhTest_Unhandled__Run", StringComparison.Ordinal));
        int appMain = Array.FindIndex(frames, l => l.Contains("app_main", StringComparison.Ordinal));
        Assert.True(readPort == 0 && configure == 1 && runFrame == 2 && appMain > runFrame, "backtrace frames out of order:\n" + run);
        Assert.DoesNotContain("finally ran", run.Serial, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong catch ran", run.Serial, StringComparison.Ordinal);
        Assert.Equal(UnhandledExceptionStatus, run.GuestExitCode);
    }

    [Theory]
    [InlineData("null", "PANIC: null reference (CPU exception 14 #PF page fault)")]
    [InlineData("null-filter", "PANIC: unhandled exception System.NullReferenceException: Object reference not set to an instance of an object.")]
    public async Task Null_dereference_no_frame_can_catch_stays_a_fault_panic_and_one_a_filter_declines_is_reported_as_unhandled(string mode, string panic)
    {
        const int NullReferenceStatus = 7;
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("ehtest"), TimeSpan.FromSeconds(60), commandLine: "unhandled=" + mode);
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains(panic, run.Serial, StringComparison.Ordinal);
        Assert.Contains("EhTest_Unhandled__Read+", run.Serial, StringComparison.Ordinal);
        Assert.DoesNotContain("unhandled: ", run.Serial, StringComparison.Ordinal);
        Assert.Equal(NullReferenceStatus, run.GuestExitCode);
    }

    private static long HeapFigure(GuestRun run, string when, string name)
    {
        string? line = run.Lines.FirstOrDefault(l => l.StartsWith("heap " + when + ":", StringComparison.Ordinal));
        Assert.True(line is not null, $"guest did not print heap statistics '{when}':\n{run}");
        string field = line.Split(' ').First(f => f.StartsWith(name + "=", StringComparison.Ordinal));
        return long.Parse(field[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Tail(string serial) => serial.Length <= 3000 ? serial : serial[^3000..];
}
