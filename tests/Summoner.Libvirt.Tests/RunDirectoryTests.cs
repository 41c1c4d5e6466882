using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// The embedded driver's run/ on tmpfs (<see cref="RunDirectory"/>). Roots live on the disk that
/// holds this checkout, private directories in a parent of this test's own under /dev/shm, so no
/// sweep touches another process's directories. Where either is not what the test needs (a
/// checkout on tmpfs, no tmpfs at /dev/shm), the test checks the branch that machine takes instead.
/// </summary>
[Trait("Category", "unit")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunDirectoryTests : IDisposable
{
    private readonly string _disk = Path.Combine(AppContext.BaseDirectory, "rundir-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _parent = Path.Combine("/dev/shm", "rundir-test-" + Guid.NewGuid().ToString("N")[..8]);

    public RunDirectoryTests()
    {
        Directory.CreateDirectory(_disk);
        Directory.CreateDirectory(_parent);
    }

    public void Dispose()
    {
        try { Directory.Delete(_disk, recursive: true); } catch (IOException) { }
        try { Directory.Delete(_parent, recursive: true); } catch (IOException) { }
    }

    private string NewRoot(string name)
    {
        string root = Path.Combine(_disk, name);
        Directory.CreateDirectory(root);
        return root;
    }

    private bool Applicable(string root, RunDirectoryPlacement placement)
    {
        if (RunDirectory.IsTmpfs(root))
        {
            Assert.Equal(Path.Combine(root, "run"), placement.Target);
            Assert.True(placement.OnTmpfs);
            return false;
        }
        if (!RunDirectory.IsTmpfs(_parent))
        {
            Assert.False(placement.OnTmpfs);
            Assert.Contains("no writable tmpfs", placement.Reason, StringComparison.Ordinal);
            return false;
        }
        return true;
    }

    private RunDirectoryPlacement Ensure(string root, TimeSpan? sweepAfter = null) => RunDirectory.Ensure(root, [_parent], sweepAfter);

    private static string Run(string root) => Path.Combine(root, "run");

    [Fact]
    public void A_root_on_disk_gets_run_linked_to_a_private_tmpfs_directory_that_names_its_root()
    {
        string root = NewRoot("a");
        RunDirectoryPlacement placement = Ensure(root);
        if (!Applicable(root, placement)) return;

        Assert.True(placement.OnTmpfs);
        Assert.Equal("new", placement.Reason);
        Assert.Equal(placement.Target, new FileInfo(Run(root)).LinkTarget);
        Assert.StartsWith(Path.Combine(_parent, "summoner-libvirt-"), placement.Target, StringComparison.Ordinal);
        Assert.True(RunDirectory.IsPrivateTmpfsDirectory(placement.Target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(placement.Target));
        Assert.Equal(root, File.ReadAllText(Path.Combine(placement.Target, ".root")));

        // What libvirt writes under run/ lands on tmpfs.
        Directory.CreateDirectory(Path.Combine(Run(root), "qemu"));
        File.WriteAllText(Path.Combine(Run(root), "qemu", "d.xml"), "<domstatus/>");
        Assert.Equal("<domstatus/>", File.ReadAllText(Path.Combine(placement.Target, "qemu", "d.xml")));
    }

    [Fact]
    public void A_second_start_keeps_the_directory_and_what_is_in_it()
    {
        string root = NewRoot("b");
        RunDirectoryPlacement first = Ensure(root);
        if (!Applicable(root, first)) return;
        Directory.CreateDirectory(Path.Combine(Run(root), "qemu"));
        File.WriteAllText(Path.Combine(Run(root), "qemu", "guest.pid"), "1234");

        RunDirectoryPlacement second = Ensure(root);

        Assert.Equal(first.Target, second.Target);
        Assert.Equal("kept from an earlier start", second.Reason);
        Assert.Equal("1234", File.ReadAllText(Path.Combine(Run(root), "qemu", "guest.pid")));
    }

    [Fact]
    public void A_run_directory_on_disk_is_moved_with_its_files_so_running_guests_are_not_lost()
    {
        string root = NewRoot("c");
        Directory.CreateDirectory(Path.Combine(Run(root), "qemu", "dbus"));
        File.WriteAllText(Path.Combine(Run(root), "qemu", "summoner-x-1.xml"), "<domstatus state='running'/>");
        File.WriteAllText(Path.Combine(Run(root), "qemu", "summoner-x-1.pid"), "4321");

        RunDirectoryPlacement placement = Ensure(root);
        if (!Applicable(root, placement)) return;

        Assert.Equal("moved from the state directory", placement.Reason);
        Assert.NotNull(new FileInfo(Run(root)).LinkTarget);
        Assert.Equal("<domstatus state='running'/>", File.ReadAllText(Path.Combine(Run(root), "qemu", "summoner-x-1.xml")));
        Assert.Equal("4321", File.ReadAllText(Path.Combine(Run(root), "qemu", "summoner-x-1.pid")));
        Assert.True(Directory.Exists(Path.Combine(Run(root), "qemu", "dbus")));
        Assert.False(Directory.Exists(Run(root) + ".moving"));
    }

    [Fact]
    public void A_start_killed_after_moving_run_aside_gets_it_back()
    {
        string root = NewRoot("d");
        string moving = Run(root) + ".moving";
        Directory.CreateDirectory(Path.Combine(moving, "qemu"));
        File.WriteAllText(Path.Combine(moving, "qemu", "summoner-y-2.xml"), "<domstatus/>");

        RunDirectoryPlacement placement = Ensure(root);

        Assert.Equal("<domstatus/>", File.ReadAllText(Path.Combine(Run(root), "qemu", "summoner-y-2.xml")));
        Assert.False(Directory.Exists(moving));
        if (!Applicable(root, placement)) return;
        Assert.Equal("moved from the state directory", placement.Reason);
    }

    [Fact]
    public void After_a_reboot_the_dangling_link_is_replaced_by_a_new_directory()
    {
        string root = NewRoot("e");
        RunDirectoryPlacement first = Ensure(root);
        if (!Applicable(root, first)) return;
        Directory.Delete(first.Target, recursive: true); // what a restart does to tmpfs

        RunDirectoryPlacement second = Ensure(root);

        Assert.NotEqual(first.Target, second.Target);
        Assert.Equal("replaced a link whose directory is gone", second.Reason);
        Assert.Equal(second.Target, new FileInfo(Run(root)).LinkTarget);
        Assert.True(RunDirectory.IsPrivateTmpfsDirectory(second.Target));
    }

    [Fact]
    public void A_link_this_user_made_to_a_directory_of_their_own_is_left_alone()
    {
        string root = NewRoot("f");
        string mine = Path.Combine(_disk, "my-run");
        Directory.CreateDirectory(mine);
        File.CreateSymbolicLink(Run(root), mine);

        RunDirectoryPlacement placement = Ensure(root);

        Assert.Equal(mine, placement.Target);
        Assert.Equal(mine, new FileInfo(Run(root)).LinkTarget);
        if (!RunDirectory.IsTmpfs(root)) Assert.Equal("run/ is a link this user made: left as it is", placement.Reason);
    }

    [Fact]
    public void A_link_to_a_directory_another_user_owns_is_replaced()
    {
        string root = NewRoot("h");
        if (!RunDirectory.IsTmpfs(_parent) || RunDirectory.IsTmpfs(root) || geteuid() != 0) return; // only root can give a directory away
        string theirs = Path.Combine(_parent, "summoner-libvirt-theirs");
        Directory.CreateDirectory(theirs);
        Assert.Equal(0, chown(theirs, 65534, 65534));
        File.CreateSymbolicLink(Run(root), theirs);

        RunDirectoryPlacement placement = Ensure(root);

        Assert.Equal("replaced a link to a directory another user owns", placement.Reason);
        Assert.NotEqual(theirs, placement.Target);
        Assert.True(RunDirectory.IsPrivateTmpfsDirectory(placement.Target));
        Assert.Equal(placement.Target, new FileInfo(Run(root)).LinkTarget);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int chown([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    [Fact]
    public void Directories_of_deleted_state_directories_are_swept_and_live_ones_kept()
    {
        string gone = NewRoot("g1");
        string live = NewRoot("g2");
        RunDirectoryPlacement goneRun = Ensure(gone);
        if (!Applicable(gone, goneRun)) return;
        RunDirectoryPlacement liveRun = Ensure(live);
        Directory.Delete(gone, recursive: true);
        // One another process made a moment ago and has not linked yet: young, so kept.
        string young = Path.Combine(_parent, "summoner-libvirt-young");
        Directory.CreateDirectory(young);
        File.SetUnixFileMode(young, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(young, ".root"), live);

        int removed = RunDirectory.Sweep(_parent, TimeSpan.FromMinutes(1));

        Assert.Equal(1, removed);
        Assert.False(Directory.Exists(goneRun.Target));
        Assert.True(Directory.Exists(liveRun.Target));
        Assert.True(Directory.Exists(young));
        Assert.Equal(1, RunDirectory.Sweep(_parent, TimeSpan.Zero)); // once old enough, the unlinked one goes too
        Assert.False(Directory.Exists(young));
        Assert.True(Directory.Exists(liveRun.Target));
    }
}
