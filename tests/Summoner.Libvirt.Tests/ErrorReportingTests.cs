using System.Diagnostics;
using Xunit;

namespace Summoner.Libvirt.Tests;

[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class ErrorReportingTests(EmbeddedHost host)
{
    [Fact]
    public void Unwritable_state_directory_names_the_directory_and_the_fix()
    {
        string dir = TestGuests.NewScratchDirectory("unw");
        try
        {
            string file = Path.Combine(dir, "a-file");
            File.WriteAllText(file, "");
            // Root can write anywhere by permission bits; a regular file where a directory must be is unwritable for anyone.
            var e = Assert.Throws<LibvirtException>(() => EmbeddedDriver.Open(new EmbeddedDriverOptions { StateDirectory = Path.Combine(file, "state") }));
            Assert.Contains("is not writable", e.Message);
            Assert.Contains("choose a directory", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Missing_libvirt_library_says_which_packages_to_install()
    {
        var e = Assert.Throws<LibvirtUnavailableException>(() => LibvirtRuntime.RequireLibrary("libvirt-absent-for-test.so.0"));
        Assert.Contains("apt-get install libvirt0", e.Message);
    }

    [Fact]
    public void Missing_qemu_driver_module_says_which_package_to_install()
    {
        string empty = TestGuests.NewScratchDirectory("mod");
        try
        {
            var e = Assert.Throws<LibvirtException>(() => EmbeddedDriver.Open(new EmbeddedDriverOptions
            {
                StateDirectory = Path.Combine(empty, "state"),
                DriverModuleDirectory = empty,
            }));
            Assert.Contains("apt-get install libvirt-daemon-driver-qemu", e.Message);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task Second_process_on_the_same_embedded_root_is_named_in_the_error()
    {
        string root = TestGuests.NewScratchDirectory("two");
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc", "qemu.conf"), EmbeddedDriver.RootQemuConf);
        // virsh in interactive mode keeps its embedded driver (and the root's lock) open until stdin closes.
        var psi = new ProcessStartInfo("virsh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(EmbeddedDriver.UriFor(root));
        using var other = Process.Start(psi)!;
        try
        {
            string lockFile = Path.Combine(root, "run", "qemu", "driver.pid");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!File.Exists(lockFile) || new FileInfo(lockFile).Length == 0)
            {
                Assert.True(DateTime.UtcNow < deadline && !other.HasExited, "virsh never took the embedded root");
                await Task.Delay(50);
            }
            var e = Assert.Throws<LibvirtException>(() => EmbeddedDriver.Open(new EmbeddedDriverOptions { StateDirectory = root }));
            Assert.Contains("in use by process " + other.Id, e.Message);
            Assert.Contains("own state directory", e.Message);
        }
        finally
        {
            other.StandardInput.Close();
            if (!other.WaitForExit(15_000)) other.Kill();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Libvirt_errors_carry_code_domain_and_message()
    {
        var e = Assert.Throws<LibvirtException>(() => host.Connection.CreateDomain("<domain type='qemu'><name>bad</name></domain>"));
        Assert.NotEqual(0, e.Code);
        Assert.NotEqual(0, e.ErrorDomain);
        Assert.False(string.IsNullOrWhiteSpace(e.LibvirtMessage));
        Assert.Contains("'bad'", e.Message);
    }

    [Fact]
    public void Qemu_exiting_during_create_is_explained()
    {
        string dir = TestGuests.NewScratchDirectory("qexit");
        try
        {
            string xml = DomainXml.Render(TestGuests.Spec(TestGuests.Name("qexit"), TestGuests.HaltingImage(dir), Path.Combine(dir, "s.serial")))
                .Replace("</domain>", "<qemu:commandline><qemu:arg value='-no-such-option'/></qemu:commandline></domain>", StringComparison.Ordinal);
            var e = Assert.Throws<LibvirtException>(() => host.Connection.CreateDomain(xml));
            Assert.Contains("no-such-option", e.LibvirtMessage);
            Assert.True(e.Message.Contains("QEMU exited while libvirt was still starting it", StringComparison.Ordinal), e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Looking_up_an_unknown_domain_returns_null_not_an_error()
    {
        Assert.Null(host.Connection.FindDomain("no-such-domain"));
    }

    [Fact]
    public void Connecting_to_a_socket_without_a_daemon_says_to_start_one()
    {
        var e = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("qemu+unix:///system?socket=/nonexistent/libvirt-sock"));
        Assert.Contains("start libvirtd", e.Message);
    }

    [Fact]
    public void Plain_qemu_system_uri_in_a_process_running_the_embedded_driver_points_to_qemu_unix()
    {
        // The in-process QEMU driver claims every qemu:/// URI once the embedded root is open.
        _ = host.Connection;
        var e = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("qemu:///system"));
        Assert.Contains("qemu+unix:///system", e.Message);
    }
}
