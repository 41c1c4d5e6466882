using System.Diagnostics;
using System.Text.RegularExpressions;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>How to run libvirt's QEMU driver inside this process.</summary>
public sealed record EmbeddedDriverOptions
{
    /// <summary>The driver's root: etc/qemu.conf, run/, log/, lib/, cache/ live under it. Absolute.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Make this process a subreaper and reap QEMU promptly (destroy ~200 ms instead of 1.2-2 s).</summary>
    public bool ReapChildren { get; init; } = true;

    /// <summary>
    /// When running as root and the 'libvirt-qemu' system user is missing, create it (libvirt 9.0's
    /// QEMU driver refuses to start without it even though our qemu.conf runs QEMU as root).
    /// </summary>
    public bool CreateQemuSystemUser { get; init; } = true;

    /// <summary>Where libvirt loads connection drivers from; LIBVIRT_DRIVER_DIR overrides it, as in libvirt.</summary>
    public string DriverModuleDirectory { get; init; } =
        Environment.GetEnvironmentVariable("LIBVIRT_DRIVER_DIR") ?? "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver";
}

/// <summary>
/// libvirt's QEMU driver run in-process (<c>qemu:///embed?root=DIR</c>): no daemon to install or
/// start. Prepares the root (our qemu.conf, writability, the one-process-per-root lock, run/ on tmpfs: <see cref="RunDirectory"/>), then opens
/// a connection. Only one root can be open per process, and one process per root.
/// </summary>
public static partial class EmbeddedDriver
{
    /// <summary>
    /// qemu.conf for root: QEMU runs as root with no DAC relabelling, security driver, cgroups or
    /// mount namespace (measured ~25 ms faster per start), and writes its stdio to a file so no
    /// virtlogd is needed. remember_owner = 0 saves 4 forks of this process per start (~25 ms):
    /// with dynamic_ownership off libvirt chowns nothing, so there is no owner to remember.
    /// The CPU-probe capability mask is not here but in each domain (<see cref="DomainSpec.CpuProbeMask"/>):
    /// qemu.conf is read once per process, so a libvirt that rejected the name would fail every
    /// start until a restart, while the per-domain form can be retried without it.
    /// Public for the libvirtd daemons tests start (Summoner.Testing's IsolatedLibvirtd), so they run
    /// QEMU as the embedded driver does: this one string, rather than every internal shown to a
    /// test helper that many test projects share.
    /// </summary>
    public const string RootQemuConf = """
        # Written by Summoner.Libvirt; rewritten on every start.
        user = "root"
        group = "root"
        dynamic_ownership = 0
        security_driver = "none"
        cgroup_controllers = [ ]
        namespaces = [ ]
        stdio_handler = "file"
        remember_owner = 0

        """;

    /// <summary>
    /// qemu.conf for an unprivileged user: QEMU runs as that same user, so DAC "relabelling"
    /// chowns files to their owner and there is no other owner to restore: turning it off loses
    /// nothing and saves the same forks.
    /// </summary>
    internal const string UnprivilegedQemuConf = """
        # Written by Summoner.Libvirt; rewritten on every start.
        stdio_handler = "file"
        remember_owner = 0

        """;

    public static string UriFor(string stateDirectory) => "qemu:///embed?root=" + stateDirectory;

    public static LibvirtConnection Open(EmbeddedDriverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Prepare(options);
        if (options.ReapChildren) ChildReaper.Start();
        return LibvirtConnection.Open(UriFor(options.StateDirectory));
    }

    /// <summary>Opening the first time probes QEMU's capabilities (~4 s, cached under root/cache), so do it off the caller's thread.</summary>
    public static Task<LibvirtConnection> OpenAsync(EmbeddedDriverOptions options, CancellationToken cancellationToken = default) =>
        Blocking.Run(() => Open(options), cancellationToken);

    /// <summary>The pid file libvirt's embedded QEMU driver writes for each running domain.</summary>
    public static string QemuPidFile(string stateDirectory, string domainName) =>
        Path.Combine(stateDirectory, "run", "qemu", domainName + ".pid");

    /// <summary>QEMU's own stderr log for a domain (e.g. "KVM internal error" lands here).</summary>
    public static string QemuLogFile(string stateDirectory, string domainName) =>
        Path.Combine(stateDirectory, "log", "qemu", domainName + ".log");

    internal static void Prepare(EmbeddedDriverOptions options)
    {
        string root = options.StateDirectory;
        if (string.IsNullOrEmpty(root) || !Path.IsPathFullyQualified(root) || !SafeRoot().IsMatch(root))
            throw new ArgumentException($"state directory '{root}' must be an absolute path of letters, digits, '/', '_', '-' and '.' (it goes into a libvirt URI)", nameof(options));
        LibvirtRuntime.EnsureStarted();
        CheckQemuDriverModule(options.DriverModuleDirectory);
        RequireWritable(root);
        string etc = Path.Combine(root, "etc");
        Directory.CreateDirectory(etc);
        bool privileged = Libc.geteuid() == 0;
        File.WriteAllText(Path.Combine(etc, "qemu.conf"), privileged ? RootQemuConf : UnprivilegedQemuConf);
        CheckNotInUse(root);
        try
        {
            s_runPlacements[root] = RunDirectory.Ensure(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A speed-up, not a requirement: libvirt works with run/ wherever it is.
            s_runPlacements[root] = new RunDirectoryPlacement(Path.Combine(root, "run"), RunDirectory.IsTmpfs(root), "could not put run/ on tmpfs: " + e.Message);
        }
        lock (s_preparedRoots)
        {
            if (s_preparedRoots.Add(root)) ReapOrphanedProbes(root);
        }
        if (privileged) EnsureQemuSystemUser(options.CreateQemuSystemUser);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, RunDirectoryPlacement> s_runPlacements = new(StringComparer.Ordinal);

    /// <summary>Where <paramref name="stateDirectory"/>'s run/ was put when this process opened it (null before).</summary>
    public static RunDirectoryPlacement? RunPlacement(string stateDirectory) => s_runPlacements.GetValueOrDefault(stateDirectory);

    // Roots this process has opened: a probe under one of them may be this process's own, running.
    private static readonly HashSet<string> s_preparedRoots = new(StringComparer.Ordinal);

    /// <summary>
    /// Ends the capability probes a dead process left under <paramref name="root"/>. libvirt probes
    /// QEMU (a daemonized <c>-machine none</c> QEMU with a QMP socket in lib/qemu/qmp-XXXXXX) when its
    /// cache is missing or stale, and kills it when done; a process killed meanwhile (SIGKILL during
    /// serve's first seconds on a new state directory) leaves it paused forever. Called once per root
    /// and process, after <see cref="CheckNotInUse"/>: no other process has the root, so every probe
    /// there is an orphan. Guests' QEMUs are not touched (a restarted daemon takes them back).
    /// </summary>
    /// <returns>How many probe processes were killed.</returns>
    internal static int ReapOrphanedProbes(string root)
    {
        string qemuLib = Path.Combine(root, "lib", "qemu");
        if (!Directory.Exists(qemuLib)) return 0;
        int killed = 0;
        foreach (string dir in Directory.GetDirectories(qemuLib, "qmp-*"))
        {
            try
            {
                if (int.TryParse(File.ReadAllText(Path.Combine(dir, "qmp.pid")).Trim(), out int pid) && pid > 1
                    && File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') is string cmd
                    && cmd.Contains(" -machine none", StringComparison.Ordinal) && cmd.Contains(dir + "/", StringComparison.Ordinal)
                    && Libc.kill(pid, Libc.SigKill) == 0)
                    killed++;
            }
            catch (IOException) { } // no pid file, or the process is gone
            catch (UnauthorizedAccessException) { }
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return killed;
    }

    internal static void CheckQemuDriverModule(string directory)
    {
        if (!File.Exists(Path.Combine(directory, "libvirt_driver_qemu.so")))
            throw new LibvirtException($"libvirt's QEMU driver module is missing (no libvirt_driver_qemu.so in {directory}): run apt-get install libvirt-daemon-driver-qemu");
    }

    internal static void RequireWritable(string root)
    {
        string probe = Path.Combine(root, $".write-test-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(root);
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LibvirtException($"state directory {root} is not writable ({e.Message}): choose a directory this user owns, or fix its permissions", e);
        }
    }

    /// <summary>
    /// libvirt holds a write lock on run/qemu/driver.pid for as long as a process has the root open.
    /// Asking the kernel who holds it gives a better error than libvirt's ("Failed to acquire pid file").
    /// Locks of this very process are invisible to F_GETLK, and libvirt shares the driver within a process anyway.
    /// </summary>
    internal static void CheckNotInUse(string root)
    {
        string pidFile = Path.Combine(root, "run", "qemu", "driver.pid");
        if (LockHolder(pidFile) is not int pid) return;
        string holder = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            holder += " (" + File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim() + ")";
        }
        catch (IOException) { }
        throw new LibvirtException($"embedded libvirt root {root} is in use by process {holder}: only one process may use a root; stop that process or give this one its own state directory");
    }

    /// <summary>The process holding the driver's write lock on <paramref name="pidFile"/>, if another one does.</summary>
    internal static unsafe int? LockHolder(string pidFile)
    {
        if (!File.Exists(pidFile)) return null;
        using var stream = new FileStream(pidFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        var query = new Libc.Flock { Type = Libc.FWrLck, Whence = 0, Start = 0, Length = 0 };
        if (Libc.fcntl((int)stream.SafeFileHandle.DangerousGetHandle(), Libc.FGetLk, &query) != 0 || query.Type == Libc.FUnLck) return null;
        return query.Pid;
    }

    /// <summary>libvirtd needs the same user; exposed so a caller that starts a daemon can ensure it first.</summary>
    public static void EnsureQemuSystemUser(bool create = true)
    {
        if (Libc.geteuid() != 0 || Libc.getpwnam("libvirt-qemu") != IntPtr.Zero) return;
        if (!create) throw new LibvirtException(Remedies.QemuSystemUser);
        Run("groupadd", "-r", "-f", "libvirt-qemu");
        Run("useradd", "-r", "-g", "libvirt-qemu", "-d", "/var/lib/libvirt", "-M", "-s", "/usr/sbin/nologin", "libvirt-qemu");
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new LibvirtException(Remedies.QemuSystemUser);
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && Libc.getpwnam("libvirt-qemu") == IntPtr.Zero)
            throw new LibvirtException($"{file} failed ({err.Trim()}). " + Remedies.QemuSystemUser);
    }

    [GeneratedRegex("^/[A-Za-z0-9/_.-]*$")]
    private static partial Regex SafeRoot();
}
