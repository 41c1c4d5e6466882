using System.Security.Cryptography;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>Where the embedded driver's run/ directory lives, and why (serve logs it).</summary>
/// <param name="Target">The directory libvirt's run/ resolves to.</param>
/// <param name="OnTmpfs">Whether it is on tmpfs (status files cost no disk flush).</param>
/// <param name="Reason">What was found or done, for the log.</param>
public sealed record RunDirectoryPlacement(string Target, bool OnTmpfs, string Reason);

/// <summary>
/// Keeps the embedded driver's run/ on tmpfs, as the system daemon's /run/libvirt is. libvirt
/// rewrites a domain's status file there (write, fsync, rename) three times before it forks QEMU,
/// once before QEMU runs and again before a start returns; on a disk each fsync waits for the
/// journal (0.6 ms on an idle disk, tens of milliseconds behind another writer: bench/README,
/// "run/ on tmpfs"), on tmpfs for nothing. So <c>root/run</c> becomes a link to a private
/// directory (this user's, mode 0700) in the first of $XDG_RUNTIME_DIR, /run and /dev/shm that is
/// tmpfs and writable. What run/ holds is volatile by libvirt's own design (running domains'
/// status and pid files, the driver's lock): it describes QEMU processes, which end when the
/// machine restarts, as tmpfs does. A restarted serve finds the link and takes its guests back;
/// after a reboot the link dangles and a new directory replaces it. A link the user made to a
/// directory of their own is left alone.
/// A run/ that is a plain directory (a state directory from before this) is copied over first,
/// so guests running from it are not lost. Each directory names its root in <see cref="RootFile"/>;
/// one whose root was deleted or no longer links to it is removed by the next <see cref="Ensure"/>
/// of any root, unless a process still holds its driver lock.
/// </summary>
public static class RunDirectory
{
    internal const string Prefix = "summoner-libvirt-";
    internal const string RootFile = ".root";

    /// <summary>Where private run directories may go, in order of preference.</summary>
    public static IReadOnlyList<string> DefaultParents()
    {
        var parents = new List<string>();
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg)) parents.Add(xdg);
        parents.Add("/run");
        parents.Add("/dev/shm");
        return parents;
    }

    /// <summary>
    /// Makes <c>root/run</c> resolve to a private tmpfs directory (see the class summary) unless the
    /// root itself is on tmpfs or no tmpfs parent is writable; returns where run/ is now.
    /// Call while no process has the root open (<see cref="EmbeddedDriver"/> checks the lock first).
    /// </summary>
    /// <param name="parents">Candidate parents (default <see cref="DefaultParents"/>).</param>
    /// <param name="sweepAfter">How old a directory its root does not link to must be before it is removed, so one
    /// another process has just created and not yet linked is left alone (default one minute).</param>
    public static RunDirectoryPlacement Ensure(string root, IReadOnlyList<string>? parents = null, TimeSpan? sweepAfter = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        parents ??= DefaultParents();
        TimeSpan age = sweepAfter ?? TimeSpan.FromMinutes(1);
        string run = Path.Combine(root, "run");
        string moving = run + ".moving";
        RecoverInterruptedMove(run, moving);

        if (IsTmpfs(root)) return new RunDirectoryPlacement(run, true, "the state directory is on tmpfs");
        string? linked = LinkTarget(run);
        if (linked is not null && IsPrivateTmpfsDirectory(linked))
        {
            string rootFile = Path.Combine(linked, RootFile);
            if (!File.Exists(rootFile) || File.ReadAllText(rootFile).Trim() != root) File.WriteAllText(rootFile, root); // the state directory moved
            SweepAll(parents, age);
            return new RunDirectoryPlacement(linked, true, "kept from an earlier start");
        }
        uint? linkedOwner = linked is null ? null : Stat(linked)?.Uid;
        if (linkedOwner == Libc.geteuid())
            return new RunDirectoryPlacement(linked!, IsTmpfs(linked!), "run/ is a link this user made: left as it is");

        string? created = null;
        foreach (string parent in parents)
        {
            if (IsTmpfs(parent) && TryCreatePrivateDirectory(parent, out created)) break;
        }
        if (created is null)
            return new RunDirectoryPlacement(run, false, $"no writable tmpfs among {string.Join(", ", parents)}: libvirt's status files stay on disk (each start waits for a few disk flushes)");
        File.WriteAllText(Path.Combine(created, RootFile), root);

        string how;
        if (linked is not null)
        {
            // Its directory is gone (the machine restarted, tmpfs with it), or another user made one of
            // that name since: never use a directory someone else owns.
            how = linkedOwner is not null ? "replaced a link to a directory another user owns" : "replaced a link whose directory is gone";
            File.Delete(run);
        }
        else if (Directory.Exists(run))
        {
            try
            {
                CopyTree(run, created);
            }
            catch (IOException ex)
            {
                Directory.Delete(created, recursive: true);
                return new RunDirectoryPlacement(run, false, $"run/ stays on disk: {ex.Message}");
            }
            Directory.Move(run, moving);
            how = "moved from the state directory";
        }
        else
        {
            how = "new";
        }
        try
        {
            File.CreateSymbolicLink(run, created);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(moving)) Directory.Move(moving, run); // the status files of running guests stay where libvirt will look
            Directory.Delete(created, recursive: true);
            return new RunDirectoryPlacement(run, false, $"run/ stays on disk: cannot link it to {created} ({ex.Message})");
        }
        if (Directory.Exists(moving)) Directory.Delete(moving, recursive: true);
        SweepAll(parents, age);
        return new RunDirectoryPlacement(created, true, how);
    }

    /// <summary>
    /// Removes private run directories of this user that are abandoned (their state directory was
    /// deleted, or it links elsewhere and the directory is older than <paramref name="age"/>) and
    /// whose driver lock nobody holds; returns how many.
    /// </summary>
    public static int Sweep(string parent, TimeSpan age)
    {
        if (!Directory.Exists(parent)) return 0;
        int removed = 0;
        string[] dirs;
        try { dirs = Directory.GetDirectories(parent, Prefix + "*"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        foreach (string dir in dirs)
        {
            try
            {
                if (!IsPrivateTmpfsDirectory(dir)) continue;
                string rootFile = Path.Combine(dir, RootFile);
                string? owner = File.Exists(rootFile) ? File.ReadAllText(rootFile).Trim() : null;
                DateTime written = owner is not null ? File.GetLastWriteTimeUtc(rootFile) : Directory.GetLastWriteTimeUtc(dir);
                // A root is written here only once it exists, so a missing root was deleted; a root that
                // links elsewhere may be one another process is linking right now, hence the age.
                bool abandoned = (owner is not null && !Directory.Exists(owner))
                    || (DateTime.UtcNow - written >= age && (owner is null || !SameDirectory(LinkTarget(Path.Combine(owner, "run")), dir)));
                if (!abandoned) continue;
                if (EmbeddedDriver.LockHolder(Path.Combine(dir, "qemu", "driver.pid")) is not null) continue;
                Directory.Delete(dir, recursive: true);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static void SweepAll(IReadOnlyList<string> parents, TimeSpan age)
    {
        foreach (string parent in parents) Sweep(parent, age);
    }

    // A start killed between moving run/ aside and linking it: put the original back, or drop
    // the aside copy if the link was made.
    private static void RecoverInterruptedMove(string run, string moving)
    {
        if (!Directory.Exists(moving)) return;
        if (!Directory.Exists(run) && LinkTarget(run) is null) Directory.Move(moving, run);
        else Directory.Delete(moving, recursive: true);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(from))
        {
            string target = Path.Combine(to, Path.GetFileName(entry));
            switch ((Stat(entry)?.Mode ?? 0) & FileTypeMask)
            {
                case DirectoryType:
                    Directory.CreateDirectory(target);
                    CopyTree(entry, target);
                    break;
                case RegularType:
                    File.Copy(entry, target);
                    break;
                case LinkType:
                    throw new IOException($"{entry} is a link, which this move does not carry");
                default:
                    throw new IOException($"{entry} is neither a file nor a directory (a socket of a running helper?)");
            }
        }
    }

    private static bool TryCreatePrivateDirectory(string parent, out string? created)
    {
        created = null;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            string path = Path.Combine(parent, Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
            if (Libc.mkdir(path, 0x1C0 /* 0700 */) != 0)
            {
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == 17 /* EEXIST */) continue;
                return false; // not writable here
            }
            if (!IsPrivateTmpfsDirectory(path)) return false;
            created = path;
            return true;
        }
        return false;
    }

    private static string? LinkTarget(string path)
    {
        string? target = new FileInfo(path).LinkTarget;
        return target is null ? null : Path.GetFullPath(target, Path.GetDirectoryName(path)!);
    }

    private static bool SameDirectory(string? a, string b) =>
        a is not null && string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal);

    internal static unsafe bool IsTmpfs(string path)
    {
        byte* buffer = stackalloc byte[256];
        return Libc.statfs(path, buffer) == 0 && *(long*)buffer == Libc.TmpfsMagic;
    }

    private const int FileTypeMask = 0xF000;
    private const int DirectoryType = 0x4000;
    private const int RegularType = 0x8000;
    private const int LinkType = 0xA000;

    /// <summary>Owner and mode of <paramref name="path"/> itself (a link is not followed); null if it does not exist.</summary>
    private static unsafe (uint Uid, int Mode)? Stat(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (Libc.statx(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, Libc.StatxBasicStats, buffer) != 0) return null;
        return (*(uint*)(buffer + 20), *(ushort*)(buffer + 28));
    }

    /// <summary>A real directory (not a link) on tmpfs, owned by this user, that no one else may enter.</summary>
    internal static bool IsPrivateTmpfsDirectory(string path) =>
        Stat(path) is { } stat && (stat.Mode & FileTypeMask) == DirectoryType && stat.Uid == Libc.geteuid() && (stat.Mode & 0x3F) == 0 && IsTmpfs(path);
}
