using Summoner.Testing;
using Xunit;

namespace CoreLib.Tests;

/// <summary>
/// A core-library exception that no frame catches ends the guest: the panic must name the
/// exception type and carry .NET's message, and the guest must exit with the unhandled-exception
/// status (4).
/// </summary>
[Trait("Category", "qemu")]
public sealed class ThrowTests
{
    private const int UnhandledExceptionStatus = 4;

    [Theory]
    [InlineData("key", "System.Collections.Generic.KeyNotFoundException: The given key 'gopher' was not present in the dictionary.")]
    [InlineData("parse", "System.FormatException: The input string '12x' was not in a correct format.")]
    [InlineData("argument", "System.ArgumentOutOfRangeException: Index and length must refer to a location within the string. (Parameter 'length')")]
    [InlineData("queue", "System.InvalidOperationException: Queue empty.")]
    public async Task Core_library_exception_ends_the_guest_with_a_panic_naming_it(string throwCase, string expected)
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("corelibtest"), TimeSpan.FromSeconds(60), commandLine: "throw=" + throwCase);
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains("PANIC: unhandled exception " + expected, run.Serial, StringComparison.Ordinal);
        Assert.Equal(UnhandledExceptionStatus, run.GuestExitCode);
    }
}
