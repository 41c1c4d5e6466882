using System.Diagnostics;
using System.Runtime.InteropServices;
using Summoner.Libvirt;

namespace Summoner.Testing;

/// <summary>
/// A libvirtd of the test's own: started in a private mount namespace where /etc/libvirt,
/// /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are directories under a
/// scratch root, so it never touches (or collides with) a system libvirtd or another test run.
/// Optionally inside a network namespace, so bridges and taps there are libvirtd's own, and
/// optionally listening on TCP there. The root outlives the daemon: killed and started again
/// (<see cref="StartAsync()"/>), it finds the domains it left. Clients reach it through
/// <see cref="Uri"/> (qemu+unix:///system with the socket path spelled out).
/// </summary>
public sealed partial class IsolatedLibvirtd : IAsyncDisposable
{
    // The scratch root arrives as $1 and the listen flag as $2 (empty or --listen), never spliced into the script text.
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
        exec /usr/sbin/libvirtd $2 --config "$T/etc/libvirtd.conf" --pid-file "$T/libvirtd.pid"
        """;

    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly bool listenTcp;
    private Process? process;

    /// <summary>
    /// A daemon on <paramref name="root"/> (made if missing; kept short: unix socket paths are
    /// limited to 107 bytes), not yet started: disposing it removes whatever a failed start left.
    /// With <paramref name="listenTcp"/> it also accepts unauthenticated qemu+tcp:// on port 16509,
    /// so only inside a network namespace the test made.
    /// </summary>
    public IsolatedLibvirtd(string root, string? networkNamespace = null, bool listenTcp = false)
    {
        if (listenTcp && networkNamespace is null)
            throw new ArgumentException("an unauthenticated TCP listener belongs in a network namespace of the test's own", nameof(listenTcp));
        Root = root;
        NetworkNamespace = networkNamespace;
        this.listenTcp = listenTcp;
    }

    /// <summary>The scratch root: the daemon's config, state and sockets. Disposing deletes it.</summary>
    public string Root { get; }

    /// <summary>The network namespace the daemon runs in, or null for the test's own.</summary>
    public string? NetworkNamespace { get; }

    /// <summary>The daemon's unix socket: a path in the root mount namespace, so an sshd session's nc reaches it too.</summary>
    public string SocketPath => Path.Combine(Root, "run", "libvirt-sock");

    /// <summary>qemu+unix, not qemu:: a process running the embedded driver would claim qemu:///system itself.</summary>
    public string Uri => "qemu+unix:///system?socket=" + SocketPath;

    /// <summary>Where libvirt keeps each domain's QEMU pid file.</summary>
    public string QemuRunDirectory => Path.Combine(Root, "run", "qemu");

    public int Pid => process?.Id ?? throw new InvalidOperationException("libvirtd was never started");

    /// <summary>A started daemon (see the constructor); if it does not start, its root is removed again.</summary>
    public static async Task<IsolatedLibvirtd> StartAsync(string root, string? networkNamespace = null, bool listenTcp = false)
    {
        var daemon = new IsolatedLibvirtd(root, networkNamespace, listenTcp);
        try
        {
            await daemon.StartAsync();
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
        return daemon;
    }

    /// <summary>Starts the daemon (again, after <see cref="Kill"/>) on the same root, and waits for its sockets.</summary>
    public async Task StartAsync()
    {
        if (process is { HasExited: false }) throw new InvalidOperationException("libvirtd is still running");
        EmbeddedDriver.EnsureQemuSystemUser();
        foreach (string d in new[] { "etc", "run", "lib", "cache", "log" }) Directory.CreateDirectory(Path.Combine(Root, d));
        await File.WriteAllTextAsync(Path.Combine(Root, "etc", "qemu.conf"), EmbeddedDriver.RootQemuConf);
        string listen = listenTcp ? "listen_tls = 0\nlisten_tcp = 1\nauth_tcp = \"none\"\n" : "";
        await File.WriteAllTextAsync(Path.Combine(Root, "etc", "libvirtd.conf"), listen + "log_outputs = \"3:file:/var/log/libvirt/libvirtd.log\"\n");
        // A killed daemon leaves its socket behind: only a new one may end the wait below.
        File.Delete(SocketPath);

        var psi = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (NetworkNamespace is null)
        {
            psi.FileName = "unshare";
        }
        else
        {
            psi.FileName = "ip";
            foreach (string a in new[] { "netns", "exec", NetworkNamespace, "unshare" }) psi.ArgumentList.Add(a);
        }
        foreach (string a in new[] { "-m", "--propagation", "private", "sh", "-c", Script, "sh", Root, listenTcp ? "--listen" : "" }) psi.ArgumentList.Add(a);
        process?.Dispose();
        process = Process.Start(psi) ?? throw new InvalidOperationException("could not start libvirtd");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(SocketPath) || (listenTcp && Command.TryRun(["ip", "netns", "exec", NetworkNamespace!, "sh", "-c", "ss -ltn | grep -q ':16509 '"]).ExitCode != 0))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                string err = process.HasExited ? await process.StandardError.ReadToEndAsync() : "(still running)";
                Kill();
                throw new InvalidOperationException($"libvirtd{(NetworkNamespace is null ? "" : " in " + NetworkNamespace)} did not {(listenTcp ? "listen" : "create " + SocketPath)} within 30 s: {err}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>SIGSTOP (19) freezes the daemon (its sockets stay open: only keepalive notices), SIGCONT (18) resumes it.</summary>
    public void Signal(int signal)
    {
        if (process is { HasExited: false }) _ = kill(process.Id, signal);
    }

    /// <summary>SIGKILL: the daemon dies at once, its QEMUs run on.</summary>
    public void Kill()
    {
        if (process is null || process.HasExited) return;
        _ = kill(process.Id, SigKill);
        process.WaitForExit();
    }

    /// <summary>Every domain the daemon knows, running or not (virsh over <see cref="Uri"/>).</summary>
    public IReadOnlyList<string> DomainNames() =>
        [.. Command.Run("virsh", "-c", Uri, "list", "--all", "--name").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Live QEMU processes of this daemon (their pid files are under <see cref="QemuRunDirectory"/>).</summary>
    public List<int> QemuPids()
    {
        var pids = new List<int>();
        if (!Directory.Exists(QemuRunDirectory)) return pids;
        foreach (string pidFile in Directory.GetFiles(QemuRunDirectory, "*.pid"))
        {
            // libvirt keeps other pid files there too (the domain's helpers): only QEMUs count.
            string text;
            try { text = File.ReadAllText(pidFile); }
            catch (FileNotFoundException) { continue; } // the domain went between the listing and the read
            if (int.TryParse(text.Trim(), out int pid) && pid > 1 && IsLiveQemu(pid)) pids.Add(pid);
        }
        return pids;
    }

    public async ValueTask DisposeAsync()
    {
        // Read before the daemon goes: whatever it does to its run directory on the way out.
        int[] qemus = [.. QemuPids()];
        if (process is { HasExited: false })
        {
            _ = kill(process.Id, SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { Kill(); }
        }
        // libvirtd leaves running domains alive when it exits; a failed test must not leave QEMUs behind.
        foreach (int pid in qemus.Union(QemuPids())) _ = kill(pid, SigKill);
        process?.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Alive (not a zombie) and QEMU by name: a pid file may outlive its process, and the pid be reused.</summary>
    private static bool IsLiveQemu(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return false; }
        // "pid (comm) state ...": comm may hold spaces and parentheses.
        int open = stat.IndexOf('(', StringComparison.Ordinal), close = stat.LastIndexOf(')');
        return open >= 0 && close > open && close + 2 < stat.Length
            && stat[(open + 1)..close].StartsWith("qemu-system", StringComparison.Ordinal) && stat[close + 2] != 'Z';
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
