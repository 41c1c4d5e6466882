using CoreLibTest;
using Summoner.Testing;
using Xunit;

namespace CoreLib.Tests;

/// <summary>
/// Runs the conformance checks once on .NET (in this process) and once in the corelibtest guest
/// image under QEMU, keeping both outputs for the tests of <see cref="ConformanceTests"/>.
/// </summary>
public sealed class ConformanceRun : IAsyncLifetime
{
    public IReadOnlyList<string> HostLines { get; private set; } = [];

    public IReadOnlyList<string> GuestLines { get; private set; } = [];

    public GuestRun Guest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var host = new List<string>();
        Checks.Run(host.Add);
        HostLines = host;

        // A small heap so the "gc" section's churn (several times this size) forces collections
        // while the collections under test hold live data.
        Guest = await QemuGuest.RunAsync(RepoPaths.Image("corelibtest"), TimeSpan.FromSeconds(120), commandLine: "heap=4M");
        // Only the check lines: the boot banner and a panic (if any) are not part of the comparison.
        GuestLines = Guest.Lines.Where(line => line.Length > 0 && IsCheckLine(line)).ToList();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static bool IsCheckLine(string line)
    {
        if (line == Checks.EndMarker) return true;
        int dot = line.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Checks.Sections.Contains(line[..dot]) && line.Contains(": ", StringComparison.Ordinal);
    }

    public static IEnumerable<string> Section(IEnumerable<string> lines, string section)
        => lines.Where(line => line.StartsWith(section + ".", StringComparison.Ordinal));
}
