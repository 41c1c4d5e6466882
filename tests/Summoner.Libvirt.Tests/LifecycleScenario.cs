using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// The lifecycle every driver must get right, run against a real connection: create paused,
/// resume, suspend, resume, destroy; a QEMU killed with SIGKILL reported as a crash; and the
/// C# hello image's serial output captured. Shared by the embedded and the daemon tests.
/// </summary>
internal static class LifecycleScenario
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);

    public static async Task PauseResumeSuspendDestroyAsync(LibvirtConnection connection, string scratch, string name)
    {
        string serial = Path.Combine(scratch, name + ".serial");
        using var events = new EventRecorder(connection);
        var spec = TestGuests.Spec(name, TestGuests.HaltingImage(scratch), serial);

        using var domain = await connection.CreateDomainAsync(spec, startPaused: true);
        Assert.Equal(name, domain.Name);
        Assert.NotEqual(Guid.Empty, domain.Uuid);
        Assert.Equal(DomainState.Paused, domain.GetStatus().State);
        await events.WaitAsync(name, DomainEventKind.Started);
        await events.WaitAsync(name, DomainEventKind.Suspended);
        await Task.Delay(300);
        Assert.DoesNotContain(ProbeImage.SuccessLine, TestGuests.ReadShared(serial)); // vCPUs have not run yet

        using (var found = connection.FindDomain(name))
        {
            Assert.NotNull(found);
            Assert.Equal(domain.Uuid, found.Uuid);
        }
        var listed = connection.ListDomains();
        Assert.Contains(listed, d => d.Name == name);
        foreach (var d in listed) d.Dispose();

        await domain.ResumeAsync();
        await events.WaitAsync(name, DomainEventKind.Resumed);
        await TestGuests.WaitForSerialAsync(serial, ProbeImage.SuccessLine, Boot);
        Assert.Equal(DomainState.Running, domain.GetStatus().State);

        await domain.SuspendAsync();
        await events.WaitAsync(name, e => e.Kind == DomainEventKind.Suspended && events.For(name).Count(x => x.Kind == DomainEventKind.Suspended) >= 2, "second Suspended");
        Assert.Equal(DomainState.Paused, domain.GetStatus().State);

        await domain.ResumeAsync();
        await events.WaitAsync(name, e => e.Kind == DomainEventKind.Resumed && events.For(name).Count(x => x.Kind == DomainEventKind.Resumed) >= 2, "second Resumed");
        Assert.Equal(DomainState.Running, domain.GetStatus().State);

        await domain.DestroyAsync();
        var stopped = await events.WaitAsync(name, DomainEventKind.Stopped);
        Assert.Equal(DomainLifecycleEvent.StoppedDestroyed, stopped.Detail);
        Assert.False(stopped.IsCrash);
        Assert.Null(connection.FindDomain(name));
        Assert.Empty(TestGuests.QemuProcessesMentioning("guest=" + name + ","));
        var error = Assert.Throws<LibvirtException>(() => domain.Resume());
        Assert.True(error.Code is LibvirtException.ErrNoDomain or LibvirtException.ErrOperationInvalid, error.Message);
    }

    public static async Task KilledQemuIsReportedAsCrashAsync(LibvirtConnection connection, string scratch, string name)
    {
        string serial = Path.Combine(scratch, name + ".serial");
        using var events = new EventRecorder(connection);
        using var domain = await connection.CreateDomainAsync(TestGuests.Spec(name, TestGuests.HaltingImage(scratch), serial));
        await TestGuests.WaitForSerialAsync(serial, ProbeImage.SuccessLine, Boot);

        var pids = TestGuests.QemuProcessesMentioning("guest=" + name + ",");
        int pid = Assert.Single(pids);
        Assert.Equal(0, Native.Libc.kill(pid, 9));

        var crash = await events.WaitAsync(name, e => e.IsCrash, "crash");
        Assert.Equal(DomainEventKind.Stopped, crash.Kind);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (connection.FindDomain(name) is { } still)
        {
            still.Dispose();
            Assert.True(DateTime.UtcNow < deadline, "libvirt still lists the domain 10 s after its QEMU was killed");
            await Task.Delay(50);
        }
    }

    public static async Task HelloImageSerialIsCapturedAsync(LibvirtConnection connection, string scratch, string name)
    {
        string serial = Path.Combine(scratch, name + ".serial");
        using var events = new EventRecorder(connection);
        // hello prints and dies within milliseconds under TCG; started running, it can die while
        // virDomainCreateXML is still finishing start-up, which then fails. Created paused, it cannot.
        using var domain = await connection.CreateDomainAsync(TestGuests.Spec(name, TestGuests.HelloImage(), serial), startPaused: true);
        await domain.ResumeAsync();
        string text = await TestGuests.WaitForSerialAsync(serial, "hello from C#", Boot);
        Assert.Contains("hello from C#", text);
        // Without isa-debug-exit the image's power-off triple-faults; on_reboot=destroy ends the domain.
        var stopped = await events.WaitAsync(name, DomainEventKind.Stopped, Boot);
        Assert.False(stopped.IsCrash, $"a guest that resets itself is not a crash: {string.Join(", ", events.For(name))}");
        Assert.Null(connection.FindDomain(name));
    }
}
