using CoreLibTest;
using Xunit;

namespace CoreLib.Tests;

/// <summary>
/// The guest's core library must give the same results as .NET for the portable subset
/// (Kernel/CoreLib/README.md): each section of checks must print exactly the lines .NET prints.
/// </summary>
[Trait("Category", "qemu")]
public sealed class ConformanceTests : IClassFixture<ConformanceRun>
{
    private readonly ConformanceRun _run;

    public ConformanceTests(ConformanceRun run) { _run = run; }

    public static TheoryData<string> Sections() => new(Checks.Sections);

    [Theory]
    [MemberData(nameof(Sections))]
    public void Guest_section_prints_what_dotnet_prints(string section)
    {
        string[] expected = ConformanceRun.Section(_run.HostLines, section).ToArray();
        string[] actual = ConformanceRun.Section(_run.GuestLines, section).ToArray();
        Assert.NotEmpty(expected);
        if (actual.Length == 0)
            Assert.Fail($"the guest printed nothing for section '{section}'; its serial output:\n{Tail(_run.Guest.Serial)}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(i < actual.Length, $"guest stopped after {actual.Length} of {expected.Length} '{section}' lines; serial tail:\n{Tail(_run.Guest.Serial)}");
            Assert.Equal(expected[i], actual[i]);
        }
        Assert.Equal(expected.Length, actual.Length);
    }

    [Fact]
    public void Guest_runs_every_check_in_order_and_powers_off_with_success()
    {
        Assert.False(_run.Guest.TimedOut, _run.Guest.ToString());
        Assert.Equal(_run.HostLines, _run.GuestLines);
        Assert.Equal(0, _run.Guest.GuestExitCode);
    }

    [Fact]
    public void Every_check_section_runs_on_dotnet()
    {
        // Guards the comparison itself: a section that printed nothing would compare empty to empty.
        foreach (string section in Checks.Sections)
            Assert.NotEmpty(ConformanceRun.Section(_run.HostLines, section));
        Assert.Equal(Checks.EndMarker, _run.HostLines[^1]);
    }

    private static string Tail(string serial) => serial.Length <= 2000 ? serial : serial[^2000..];
}
