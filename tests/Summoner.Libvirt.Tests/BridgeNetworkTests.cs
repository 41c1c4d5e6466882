using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// Guests on a bridge inside a network namespace the test creates, served by a libvirtd running in
/// that namespace, so libvirt's taps appear only there.
/// </summary>
[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class BridgeNetworkTests(EmbeddedHost host, ITestOutputHelper output) : IDisposable
{
    private readonly string scratch = TestGuests.NewScratchDirectory("net");

    [Fact]
    public async Task Interface_statistics_move_when_the_namespace_sends_to_the_guest()
    {
        using var ns = NetworkNamespace.Create("10.213.0.1/24");
        await using var daemon = await TestGuests.StartLibvirtdAsync(ns.Name);
        using var connection = await LibvirtConnection.OpenAsync(daemon.Uri);
        const string mac = "52:54:00:d5:00:02";
        const string tap = "sumt0";
        string serial = Path.Combine(scratch, "net.serial");
        var spec = TestGuests.Spec(TestGuests.Name("net-guest"), TestGuests.HaltingImage(scratch), serial, new BridgeNic(ns.Bridge) { TapName = tap, MacAddress = mac });
        using var domain = await connection.CreateDomainAsync(spec);
        try
        {
            await TestGuests.WaitForSerialAsync(serial, ProbeImage.SuccessLine, TimeSpan.FromSeconds(30));
            Assert.Contains("master " + ns.Bridge, ns.Ip("link", "show", tap));
            Assert.Throws<InvalidOperationException>(() => Command.Run("ip", "link", "show", tap)); // not in the root namespace

            var before = domain.GetInterfaceStatistics(tap);
            // A static neighbour entry sends straight to the guest's MAC (no ARP); the bridge floods the
            // unknown unicast to the tap. The guest has no virtio driver, so QEMU does not read the tap:
            // frames wait in the tap's 1000-frame ring and the overflow is counted as dropped on receive.
            ns.Ip("neigh", "replace", "10.213.0.2", "lladdr", mac, "dev", ns.Bridge, "nud", "permanent");
            ns.Exec("python3", "-c",
                "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(1300): s.sendto(b'summoner' * 8, ('10.213.0.2', 9))");
            var after = domain.GetInterfaceStatistics(tap);
            output.WriteLine($"before {before}\nafter  {after}");
            Assert.True(after.RxDropped >= before.RxDropped + 200,
                $"guest-side receive counters did not move: before {before}, after {after}");

            await domain.DestroyAsync();
            Assert.DoesNotContain(tap, ns.Ip("link", "show"));
        }
        finally
        {
            try { await domain.DestroyAsync(); } catch (LibvirtException) { }
        }
    }

    /// <summary>
    /// The way docs/platform.md describes (Networking): the embedded driver stays in the root namespace; a persistent tap
    /// (DOWN, IPv6 off, so it never talks in the root namespace) is handed to a paused guest, then
    /// moved into the test's namespace and enslaved to its bridge before the guest runs.
    /// </summary>
    [Fact]
    public async Task Pre_made_tap_moved_into_a_namespace_carries_frames_to_an_embedded_guest()
    {
        using var ns = NetworkNamespace.Create("10.215.0.1/24");
        string tap = "sump" + (Environment.ProcessId % 100000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        const string mac = "52:54:00:d5:01:02";
        Command.Run("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        try
        {
            Command.Run("sysctl", "-q", "-w", $"net.ipv6.conf.{tap}.disable_ipv6=1");
            string serial = Path.Combine(scratch, "tap.serial");
            var spec = TestGuests.Spec(TestGuests.Name("tap-guest"), TestGuests.HaltingImage(scratch), serial, new TapNic(tap) { MacAddress = mac });
            using var domain = await host.Connection.CreateDomainAsync(spec, startPaused: true);
            try
            {
                Command.Run("ip", "link", "set", tap, "netns", ns.Name);
                ns.Ip("link", "set", tap, "master", ns.Bridge);
                ns.Ip("link", "set", tap, "up");
                await domain.ResumeAsync();
                await TestGuests.WaitForSerialAsync(serial, ProbeImage.SuccessLine, TimeSpan.FromSeconds(30));

                ns.Ip("neigh", "replace", "10.215.0.2", "lladdr", mac, "dev", ns.Bridge, "nud", "permanent");
                ns.Exec("python3", "-c",
                    "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(1300): s.sendto(b'summoner' * 8, ('10.215.0.2', 9))");
                // The tap now lives where this process's libvirt cannot see it, so read the kernel's counters there.
                string counters = ns.Ip("-s", "-j", "link", "show", tap);
                output.WriteLine(counters);
                using var json = System.Text.Json.JsonDocument.Parse(counters);
                var tx = json.RootElement[0].GetProperty("stats64").GetProperty("tx");
                Assert.True(tx.GetProperty("packets").GetInt64() + tx.GetProperty("dropped").GetInt64() >= 200, counters);
                var error = Assert.Throws<LibvirtException>(() => domain.GetInterfaceStatistics(tap));
                Assert.Contains("TapStatistics", error.Message);
                var seen = TapStatistics.ReadInNamespace(ns.Name, tap); // the guest's view, as libvirt would report it
                // A late frame may still arrive between the reads: the counter only grows, so it lies
                // between the kernel's figures read just before and just after.
                using var laterJson = System.Text.Json.JsonDocument.Parse(ns.Ip("-s", "-j", "link", "show", tap));
                long later = laterJson.RootElement[0].GetProperty("stats64").GetProperty("tx").GetProperty("dropped").GetInt64();
                Assert.InRange(seen.RxDropped, tx.GetProperty("dropped").GetInt64(), later);
                Assert.True(seen.RxPackets + seen.RxDropped >= 200, seen.ToString());
            }
            finally
            {
                await domain.DestroyAsync();
            }
        }
        finally
        {
            // After the move the tap belongs to the namespace (deleted with it); before it, to us.
            try { Command.Run("ip", "tuntap", "del", "dev", tap, "mode", "tap"); } catch (InvalidOperationException) { }
        }
        Assert.Throws<InvalidOperationException>(() => Command.Run("ip", "link", "show", tap));
    }

    public void Dispose()
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
