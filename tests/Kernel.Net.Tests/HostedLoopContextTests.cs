using Kernel.Net.App;
using Kernel.Net.Hosted;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>Hosted mode keeps app code on the loop's thread, as bare metal does, even across
/// awaits of work that completes elsewhere (Task.Delay's timer thread, Task.Run).</summary>
[Trait("Category", "unit")]
public sealed class HostedLoopContextTests
{
    [Fact]
    public async Task Awaits_inside_the_hosted_loop_resume_on_the_loop_thread()
    {
        using var host = new SocketServiceHost([]);
        int loopThread = 0;
        var resumedOn = new List<int>();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task AppAsync()
        {
            loopThread = Environment.CurrentManagedThreadId;
            await Task.Delay(20);
            resumedOn.Add(Environment.CurrentManagedThreadId);
            await Task.Run(() => Thread.Sleep(5));
            resumedOn.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            resumedOn.Add(Environment.CurrentManagedThreadId);
            bool elapsed = await host.Delay(5_000_000);
            resumedOn.Add(elapsed ? Environment.CurrentManagedThreadId : -1);
            host.RequestStop();
            finished.SetResult();
        }

        host.ScheduleTimer(0, () => _ = AppAsync());
        var loop = new Thread(host.Run) { IsBackground = true };
        loop.Start();
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(loop.Join(TimeSpan.FromSeconds(10)), "the loop did not stop");
        Assert.Equal(loop.ManagedThreadId, loopThread);
        Assert.Equal([loopThread, loopThread, loopThread, loopThread], resumedOn);
    }
}
