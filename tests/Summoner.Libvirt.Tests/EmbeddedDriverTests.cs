using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Summoner.Libvirt.Tests;

[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class EmbeddedDriverTests(EmbeddedHost host) : IDisposable
{
    private readonly string scratch = TestGuests.NewScratchDirectory("embt");

    [Fact]
    public Task Created_paused_guest_resumes_suspends_resumes_and_is_destroyed_with_events_and_serial_output() =>
        LifecycleScenario.PauseResumeSuspendDestroyAsync(host.Connection, scratch, TestGuests.Name("emb-life"));

    [Fact]
    public Task Qemu_killed_with_sigkill_is_reported_as_a_crash() =>
        LifecycleScenario.KilledQemuIsReportedAsCrashAsync(host.Connection, scratch, TestGuests.Name("emb-crash"));

    [Fact]
    public Task Hello_image_prints_through_the_serial_file_and_stops_by_itself() =>
        LifecycleScenario.HelloImageSerialIsCapturedAsync(host.Connection, scratch, TestGuests.Name("emb-hello"));

    [Fact]
    public async Task Domain_capabilities_name_the_machine_and_accelerator_asked_for()
    {
        // What a remote host's warm-up asks (so the daemon probes QEMU before the first summon, not during it).
        string xml = await host.Connection.GetDomainCapabilitiesAsync(MachineKind.Microvm, Accelerator.Tcg);
        var caps = System.Xml.Linq.XDocument.Parse(xml).Root!;
        Assert.Equal("microvm", (string?)caps.Element("machine"));
        Assert.Equal("qemu", (string?)caps.Element("domain"));
        Assert.Equal("x86_64", (string?)caps.Element("arch"));
    }

    [Fact]
    public void Embedded_root_holds_our_qemu_conf_and_this_process_is_a_subreaper()
    {
        string conf = File.ReadAllText(Path.Combine(host.Root, "etc", "qemu.conf"));
        Assert.Contains("stdio_handler = \"file\"", conf);
        Assert.True(ChildReaper.IsActive);
        Assert.Equal(1, ReadSubreaperFlag());
    }

    [Fact]
    public async Task A_running_domains_status_file_is_on_tmpfs_not_in_the_state_directory_on_disk()
    {
        // libvirt flushes it to disk several times per start (RunDirectory); the system daemon keeps it in /run.
        RunDirectoryPlacement placement = EmbeddedDriver.RunPlacement(host.Root) ?? throw new InvalidOperationException("the host's root was not prepared");
        string name = TestGuests.Name("emb-run");
        string serial = Path.Combine(scratch, "emb-run.serial");
        using var domain = await host.Connection.CreateDomainAsync(TestGuests.Spec(name, TestGuests.HaltingImage(scratch), serial));
        string status = Path.Combine(host.Root, "run", "qemu", name + ".xml");
        Assert.True(File.Exists(status), "no status file at " + status);
        if (RunDirectory.IsTmpfs(host.Root) || !placement.OnTmpfs)
        {
            Assert.Equal(Path.Combine(host.Root, "run"), placement.Target); // the root is tmpfs already, or there is none
            return;
        }
        Assert.True(RunDirectory.IsTmpfs(status));
        Assert.True(File.Exists(Path.Combine(placement.Target, "qemu", name + ".xml")));
        await domain.DestroyAsync();
    }

    [Fact]
    public async Task Destroyed_qemu_is_reaped_by_this_process_not_left_to_pid_1()
    {
        // PID 1 here reaps 1.2-2 s late and libvirt's destroy waits for that; bench/libvirt measures both ways.
        string serial = Path.Combine(scratch, "emb-reap.serial");
        using var domain = await host.Connection.CreateDomainAsync(TestGuests.Spec(TestGuests.Name("emb-reap"), TestGuests.HaltingImage(scratch), serial));
        await TestGuests.WaitForSerialAsync(serial, ProbeImage.SuccessLine, TimeSpan.FromSeconds(30));
        long before = ChildReaper.ReapedCount;
        await domain.DestroyAsync();
        Assert.True(ChildReaper.ReapedCount > before, "the reaper did not collect the destroyed QEMU");
    }

    [Fact]
    public async Task Pc_machine_with_qboot_firmware_boots_the_same_pvh_image()
    {
        string serial = Path.Combine(scratch, "qboot.serial");
        var spec = TestGuests.Spec(TestGuests.Name("emb-qboot"), TestGuests.HaltingImage(scratch), serial) with { Machine = MachineKind.PcQboot };
        using var domain = await host.Connection.CreateDomainAsync(spec);
        try
        {
            await TestGuests.WaitForSerialAsync(serial, ProbeImage.SuccessLine, TimeSpan.FromSeconds(30));
            Assert.Contains("qboot.rom", domain.GetXml());
        }
        finally
        {
            await domain.DestroyAsync();
        }
    }

    [Fact]
    public async Task Serial_console_on_a_unix_socket_streams_the_guest_output()
    {
        string socketPath = Path.Combine(scratch, "con.sock");
        var spec = TestGuests.Spec(TestGuests.Name("emb-sock"), TestGuests.HaltingImage(scratch), Path.Combine(scratch, "unused")) with { Serial = new SerialConsole.ToUnixSocket(socketPath) };
        using var domain = await host.Connection.CreateDomainAsync(spec, startPaused: true);
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            await domain.ResumeAsync();
            var received = new List<byte>();
            var buffer = new byte[256];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!System.Text.Encoding.ASCII.GetString(received.ToArray()).Contains(ProbeImage.SuccessLine, StringComparison.Ordinal))
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                Assert.True(n > 0, "the serial socket closed before the guest printed");
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        finally
        {
            await domain.DestroyAsync();
        }
    }

    [Fact]
    public async Task User_nic_port_forward_listens_on_the_requested_loopback_address()
    {
        // libvirt 9.0 ignores <portForward>; this proves the qemu:commandline route really reaches QEMU.
        int port = Summoner.Testing.FreePort.Loopback();
        var forward = new PortForward(ForwardProtocol.Tcp, IPAddress.Loopback, port, 80);
        var spec = TestGuests.Spec(TestGuests.Name("emb-slirp"), TestGuests.HaltingImage(scratch), Path.Combine(scratch, "slirp.serial"), new UserNic { Forwards = [forward] });
        using var domain = await host.Connection.CreateDomainAsync(spec);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10)); // slirp accepts for the guest
            Assert.True(client.Connected);
        }
        finally
        {
            await domain.DestroyAsync();
        }
        using var after = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => after.ConnectAsync(IPAddress.Loopback, port));
    }

    public void Dispose()
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }

    private static unsafe int ReadSubreaperFlag()
    {
        int flag = 0;
        Native.Libc.prctl(Native.Libc.PrGetChildSubreaper, (nuint)(&flag), 0, 0, 0);
        return flag;
    }
}
