using Xunit;
using Xunit.Abstractions;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// Guests on a bridge inside a network namespace the test creates, served by a libvirtd running in
/// that namespace (PLATFORM.md part B §4 A), so libvirt's taps appear only there.
/// </summary>
[Collection("libvirt")]
public sealed class BridgeNetworkTests(ITestOutputHelper output) : IDisposable
{
    private readonly string scratch = TestGuests.NewScratchDirectory("net");

    [Fact]
    public async Task Interface_statistics_move_when_the_namespace_sends_to_the_guest()
    {
        using var ns = NetworkNamespace.Create("10.213.0.1/24");
        await using var daemon = await IsolatedLibvirtd.StartAsync(ns.Name);
        using var connection = await LibvirtConnection.OpenAsync(daemon.Uri);
        const string mac = "52:54:00:d5:00:02";
        const string tap = "sumt0";
        string serial = Path.Combine(scratch, "net.serial");
        var spec = TestGuests.Spec(TestGuests.Name("net-guest"), TestGuests.HaltingImage(scratch), serial, new BridgeNic(NetworkNamespace.Bridge) { TapName = tap, MacAddress = mac });
        using var domain = await connection.CreateDomainAsync(spec);
        try
        {
            await TestGuests.WaitForSerialAsync(serial, ProbeImage.SuccessLine, TimeSpan.FromSeconds(30));
            Assert.Contains("master " + NetworkNamespace.Bridge, ns.Ip("link", "show", tap));
            Assert.Throws<InvalidOperationException>(() => NetworkNamespace.Run("ip", "link", "show", tap)); // not in the root namespace

            var before = domain.GetInterfaceStatistics(tap);
            // A static neighbour entry sends straight to the guest's MAC (no ARP); the bridge floods the
            // unknown unicast to the tap. The guest has no virtio driver, so QEMU does not read the tap:
            // frames wait in the tap's 1000-frame ring and the overflow is counted as dropped on receive.
            ns.Ip("neigh", "replace", "10.213.0.2", "lladdr", mac, "dev", NetworkNamespace.Bridge, "nud", "permanent");
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

    public void Dispose()
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
