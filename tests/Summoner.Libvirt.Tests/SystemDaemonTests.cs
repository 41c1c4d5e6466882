using Summoner.Testing;
using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>The same lifecycle through a libvirtd that the test starts (isolated state, see <see cref="IsolatedLibvirtd"/>) and stops.</summary>
[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class SystemDaemonTests : IAsyncLifetime
{
    private readonly string scratch = TestGuests.NewScratchDirectory("sys");
    private IsolatedLibvirtd daemon = null!;
    private LibvirtConnection connection = null!;

    public async Task InitializeAsync()
    {
        daemon = await TestGuests.StartLibvirtdAsync();
        connection = await LibvirtConnection.OpenAsync(daemon.Uri);
    }

    [Fact]
    public async Task Daemon_connection_runs_the_full_lifecycle_reports_a_killed_qemu_and_captures_hello()
    {
        // One test, one daemon: starting libvirtd and its first QEMU capability probe is the slow part.
        Assert.True(connection.SetKeepAlive(TimeSpan.FromSeconds(5), 3), "libvirtd should accept keep-alive over its unix socket");
        Assert.True(connection.IsAlive);
        await LifecycleScenario.PauseResumeSuspendDestroyAsync(connection, scratch, TestGuests.Name("sys-life"));
        await LifecycleScenario.KilledQemuIsReportedAsCrashAsync(connection, scratch, TestGuests.Name("sys-crash"));
        await LifecycleScenario.HelloImageSerialIsCapturedAsync(connection, scratch, TestGuests.Name("sys-hello"));
        Assert.Empty(Directory.GetFiles(daemon.QemuRunDirectory, "sys-*"));
    }

    public async Task DisposeAsync()
    {
        connection?.Dispose();
        if (daemon is not null) await daemon.DisposeAsync();
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
