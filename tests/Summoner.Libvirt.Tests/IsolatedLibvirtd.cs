using System.Diagnostics;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// A libvirtd of the test's own: started in a private mount namespace where /etc/libvirt,
/// /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are directories under a
/// scratch root, so it never touches (or collides with) a system libvirtd or another test run.
/// Optionally inside a network namespace, so bridges and taps there are libvirtd's own.
/// Clients reach it through <see cref="Uri"/> (qemu+unix:///system with the socket path spelled out).
/// </summary>
internal sealed class IsolatedLibvirtd : IAsyncDisposable
{
    // The scratch root arrives as $1, never spliced into the script text.
    private const string Script = """
        set -e
        T="$1"
        mount --make-rprivate /
        for d in /run /var/lib /var/cache /var/log; do mount -t tmpfs -o mode=0755 sumlv "$d"; done
        mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
        # libvirt locks a console's pty under /var/lock (-> /run/lock), which the tmpfs above hid.
        mkdir -p -m 1777 /run/lock
        mount --bind "$T/etc" /etc/libvirt
        mount --bind "$T/run" /run/libvirt
        mount --bind "$T/lib" /var/lib/libvirt
        mount --bind "$T/cache" /var/cache/libvirt
        mount --bind "$T/log" /var/log/libvirt
        exec /usr/sbin/libvirtd --config "$T/etc/libvirtd.conf" --pid-file "$T/libvirtd.pid"
        """;

    private readonly Process process;

    private IsolatedLibvirtd(string root, Process process)
    {
        Root = root;
        this.process = process;
    }

    public string Root { get; }

    public string SocketPath => Path.Combine(Root, "run", "libvirt-sock");

    /// <summary>qemu+unix, not qemu:: a process running the embedded driver would claim qemu:///system itself.</summary>
    public string Uri => "qemu+unix:///system?socket=" + SocketPath;

    public string QemuRunDirectory => Path.Combine(Root, "run", "qemu");

    public int Pid => process.Id;

    public static async Task<IsolatedLibvirtd> StartAsync(string? networkNamespace = null)
    {
        ChildReaper.Start(); // QEMU's orphans come to us (libvirtd is our child): reap them at once
        EmbeddedDriver.EnsureQemuSystemUser();
        string root = TestGuests.NewScratchDirectory("lvd");
        foreach (string d in new[] { "etc", "run", "lib", "cache", "log" }) Directory.CreateDirectory(Path.Combine(root, d));
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "qemu.conf"), EmbeddedDriver.RootQemuConf);
        await File.WriteAllTextAsync(Path.Combine(root, "etc", "libvirtd.conf"), "log_outputs = \"3:file:/var/log/libvirt/libvirtd.log\"\n");

        var psi = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (networkNamespace is null)
        {
            psi.FileName = "unshare";
        }
        else
        {
            psi.FileName = "ip";
            foreach (string a in new[] { "netns", "exec", networkNamespace, "unshare" }) psi.ArgumentList.Add(a);
        }
        foreach (string a in new[] { "-m", "--propagation", "private", "sh", "-c", Script, "sh", root }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start libvirtd");
        var daemon = new IsolatedLibvirtd(root, process);
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(daemon.SocketPath))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                string err = process.HasExited ? await process.StandardError.ReadToEndAsync() : "(still running)";
                await daemon.DisposeAsync();
                throw new InvalidOperationException($"libvirtd did not create {daemon.SocketPath}: {err}");
            }
            await Task.Delay(20);
        }
        return daemon;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            Native.Libc.kill(process.Id, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { process.Kill(); await process.WaitForExitAsync(); }
        }
        // libvirtd leaves running domains alive when it exits; a failed test must not leave QEMUs behind.
        if (Directory.Exists(QemuRunDirectory))
        {
            foreach (string pidFile in Directory.GetFiles(QemuRunDirectory, "*.pid"))
            {
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) && pid > 1
                    && ChildReaper.TryReadStat(pid, out string comm, out _, out _) && comm.StartsWith("qemu-system", StringComparison.Ordinal))
                    Native.Libc.kill(pid, 9);
            }
        }
        process.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
