using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Kernel.Tests;

[Trait("Category", "qemu")]
public class GarbageCollectorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Allocating_100_times_the_heap_keeps_a_live_linked_structure_intact()
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(300),
            commandLine: "suite=gc heap=4M");
        foreach (string line in run.Lines.Where(l => l.StartsWith("figure", StringComparison.Ordinal))) output.WriteLine(line);
        GuestOutput.AssertAllPassed(run, ["gc.stress.allocated-target", "gc.stress.collected", "gc.stress.structure-intact"]);
        Assert.True(GuestOutput.Figure(run, "gc.heap_multiples") >= 100);
        Assert.True(GuestOutput.Figure(run, "gc.collections") >= 100, "a 4 MiB heap must be collected at least once per heap-full");
        Assert.True(GuestOutput.Figure(run, "gc.pause_max") > 0);
    }

    [Fact]
    public async Task Marking_recovers_from_mark_stack_overflow_without_losing_objects()
    {
        // A 64-entry mark stack cannot hold the 8,000 references of the node array, so collections
        // overflow and must find the unscanned objects by rescanning the heap.
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("kerneltest"), TimeSpan.FromSeconds(300),
            commandLine: "suite=gc heap=4M gc.factor=10 gc.markstack=64");
        foreach (string line in run.Lines.Where(l => l.StartsWith("figure", StringComparison.Ordinal))) output.WriteLine(line);
        GuestOutput.AssertAllPassed(run, ["gc.stress.allocated-target", "gc.stress.collected", "gc.stress.structure-intact"]);
        long overflows = GuestOutput.Figure(run, "gc.mark_overflows");
        Assert.True(overflows >= 10 && overflows * 2 >= GuestOutput.Figure(run, "gc.collections"),
            "most collections should have overflowed the 64-entry mark stack");
    }
}
