using Summoner.Testing;
using Xunit;

namespace Kernel.Tests;

/// <summary>Reads the line protocol of the in-guest test programs: "[ok] name", "[FAIL] name: detail", "figure name = value unit", "summary: ...".</summary>
internal static class GuestOutput
{
    public static void AssertAllPassed(GuestRun run, IReadOnlyCollection<string> expectedChecks)
    {
        Assert.False(run.TimedOut, "guest timed out:\n" + run);
        string[] failures = run.Lines.Where(l => l.StartsWith("[FAIL]", StringComparison.Ordinal)).ToArray();
        Assert.True(failures.Length == 0, "failed checks:\n" + string.Join('\n', failures) + "\n---\n" + run);
        var passed = run.Lines.Where(l => l.StartsWith("[ok] ", StringComparison.Ordinal)).Select(l => l[5..].Trim()).ToHashSet();
        string[] missing = expectedChecks.Where(c => !passed.Contains(c)).ToArray();
        Assert.True(missing.Length == 0, "checks that never reported: " + string.Join(", ", missing) + "\n---\n" + run);
        Assert.Contains($"summary: {expectedChecks.Count} passed, 0 failed", run.Serial, StringComparison.Ordinal);
        Assert.True(run.GuestExitCode == 0, "guest exit status should be 0 (success):\n" + run);
    }

    public static long Figure(GuestRun run, string name)
    {
        string prefix = "figure " + name + " = ";
        string? line = run.Lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(line is not null, $"guest did not report figure {name}:\n{run}");
        return long.Parse(line[prefix.Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
