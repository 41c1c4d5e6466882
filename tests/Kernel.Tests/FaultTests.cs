using Summoner.Testing;
using Xunit;

namespace Kernel.Tests;

/// <summary>
/// Each class of failure ends the VM with a panic that says what happened and where, and with
/// its own exit status (Kernel.Runtime.ExitCodes).
/// </summary>
[Trait("Category", "qemu")]
public class FaultTests
{
    public static TheoryData<string, int, string, string> Faults => new()
    {
        // fault=, exit status, panic text, method the backtrace must name
        { "null", 7, "PANIC: null reference (CPU exception 14 #PF page fault)", "FaultTest_Program__NullDereference" },
        { "divide", 8, "PANIC: division by zero (CPU exception 0 #DE divide error)", "FaultTest_Program__Divide" },
        { "overflow", 6, "PANIC: stack overflow (CPU exception 14 #PF page fault)", "FaultTest_Program__Recurse" },
        { "throw", 4, "PANIC: unhandled exception System.InvalidOperationException: the configured port is not a number", "thrown in faulttest_FaultTest_Program__Throw" },
        { "oom", 5, "PANIC: out of memory: an allocation of", "FaultTest_Program__ExhaustHeap" },
        { "pagefault", 9, "PANIC: page fault (CPU exception 14 #PF page fault)", "app_main" },
        { "irq-alloc", 3, "PANIC: allocation in an interrupt handler", "Kernel_Runtime_Interrupts__Dispatch" },
        { "invalid-opcode", 9, "PANIC: CPU exception (CPU exception 6 #UD invalid opcode)", "FaultTest_Program__InvalidOpcode" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault_panics_with_its_text_backtrace_and_exit_status(string fault, int exitStatus, string panicText, string method)
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("faulttest"), TimeSpan.FromSeconds(120),
            commandLine: $"fault={fault} heap=8M");
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains("fault: " + fault, run.Serial, StringComparison.Ordinal);
        Assert.DoesNotContain("survived", run.Serial, StringComparison.Ordinal);
        Assert.Contains(panicText, run.Serial, StringComparison.Ordinal);
        Assert.Contains("backtrace:", run.Serial, StringComparison.Ordinal);
        Assert.Contains(method, run.Serial, StringComparison.Ordinal);
        Assert.True(run.GuestExitCode == exitStatus, $"expected exit status {exitStatus}:\n{run}");
    }

    [Theory]
    [InlineData("heap=lots", 3, "kernel command line: heap= must be digits with an optional K, M or G suffix (e.g. heap=16M)")]
    [InlineData("heap=512K", 3, "heap too small: give the guest at least heap=1M")]
    [InlineData("heap=4G", 5, "out of physical memory: give the VM more RAM (-m / <memory>) or a smaller heap= setting")]
    public async Task Bad_heap_setting_is_a_panic_that_says_what_to_do(string commandLine, int exitStatus, string message)
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("faulttest"), TimeSpan.FromSeconds(60), commandLine: commandLine);
        Assert.Contains("PANIC: " + message, run.Serial, StringComparison.Ordinal);
        Assert.DoesNotContain("fault:", run.Serial, StringComparison.Ordinal); // the program never started
        Assert.True(run.GuestExitCode == exitStatus, $"expected exit status {exitStatus}:\n{run}");
    }

    [Fact]
    public async Task Cpu_exception_panic_reports_rip_and_the_faulting_address()
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("faulttest"), TimeSpan.FromSeconds(120), commandLine: "fault=pagefault");
        Assert.Contains("cr2 = 0x00007fff00000000", run.Serial, StringComparison.Ordinal);
        Assert.Matches(@"rip = 0x0000000000[0-9a-f]{6}", run.Serial);
        Assert.Contains("error code = ", run.Serial, StringComparison.Ordinal);
    }
}
