using System.Diagnostics;
using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// A process killed while libvirt probed QEMU (SIGKILL in serve's first seconds on a new state
/// directory) leaves the probe running, paused, forever. The next open of the root ends it. The
/// orphan here is started exactly as libvirt 9.0 starts its probe, in a directory named as its are.
/// </summary>
[Trait("Category", "qemu")]
public sealed class OrphanedProbeTests
{
    [Fact]
    public async Task A_probe_left_by_a_dead_process_is_killed_and_its_directory_removed_while_other_processes_are_left_alone()
    {
        string root = TestGuests.NewScratchDirectory("orphan");
        using var bystander = Process.Start("sleep", "60");
        try
        {
            string probeDir = Path.Combine(root, "lib", "qemu", "qmp-ABC123");
            Directory.CreateDirectory(probeDir);
            int probe = await StartProbeLikeLibvirtAsync(probeDir);
            // A pid file that names a process which is not a probe (a recycled pid): not killed.
            string recycled = Path.Combine(root, "lib", "qemu", "qmp-DEF456");
            Directory.CreateDirectory(recycled);
            await File.WriteAllTextAsync(Path.Combine(recycled, "qmp.pid"), bystander.Id + "\n");

            Assert.Equal(1, EmbeddedDriver.ReapOrphanedProbes(root));
            Assert.True(await GoneAsync(probe), $"the probe QEMU {probe} is still running");
            Assert.False(Directory.Exists(probeDir));
            Assert.False(Directory.Exists(recycled));
            Assert.False(bystander.HasExited);
            Assert.Equal(0, EmbeddedDriver.ReapOrphanedProbes(root));
        }
        finally
        {
            bystander.Kill();
            Directory.Delete(root, recursive: true);
        }
    }

    // libvirt's qemuProcessQMPLaunch: -S, no defaults, -machine none, QMP on a unix socket, a pid file, daemonized.
    private static async Task<int> StartProbeLikeLibvirtAsync(string dir)
    {
        var psi = new ProcessStartInfo("qemu-system-x86_64") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string a in new[]
        {
            "-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel=tcg",
            "-qmp", $"unix:{dir}/qmp.monitor,server=on,wait=off", "-pidfile", $"{dir}/qmp.pid", "-daemonize",
        }) psi.ArgumentList.Add(a);
        using Process launcher = Process.Start(psi)!;
        string stderr = await launcher.StandardError.ReadToEndAsync();
        await launcher.WaitForExitAsync();
        Assert.True(launcher.ExitCode == 0, "qemu -daemonize failed: " + stderr);
        int pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(dir, "qmp.pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{pid}"), "the probe QEMU is not running");
        return pid;
    }

    private static async Task<bool> GoneAsync(int pid)
    {
        // Killed, it may linger as a zombie until its parent (init) reaps it: a zombie has no cmdline.
        for (int i = 0; i < 100; i++)
        {
            string cmdline;
            try { cmdline = await File.ReadAllTextAsync($"/proc/{pid}/cmdline"); }
            catch (IOException) { return true; }
            if (cmdline.Length == 0) return true;
            await Task.Delay(50);
        }
        return false;
    }
}
