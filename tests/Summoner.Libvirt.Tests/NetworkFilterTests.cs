using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>virNWFilterDefineXML against a libvirtd of the test's own (its nwfilter driver), and against the embedded driver, which has none.</summary>
[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class NetworkFilterTests(EmbeddedHost embedded, StorageDaemon daemon) : IClassFixture<StorageDaemon>
{
    private static string Filter(string uuid, string state) => $"""
        <filter name='summoner-test-filter' chain='root'>
          <uuid>{uuid}</uuid>
          <rule action='drop' direction='out' priority='200'><all state='{state}'/></rule>
        </filter>
        """;

    [Fact]
    public void Defining_again_under_the_same_uuid_replaces_the_filter_and_another_uuid_is_refused()
    {
        const string Uuid = "0f5e2d7c-6a1b-4c3d-8e9f-1a2b3c4d5e6f";
        daemon.Connection.DefineNetworkFilter(Filter(Uuid, "NEW"));
        daemon.Connection.DefineNetworkFilter(Filter(Uuid, "NEW"));
        daemon.Connection.DefineNetworkFilter(Filter(Uuid, "NEW,INVALID"));
        string listed = Summoner.Testing.Command.Run("virsh", "-c", daemon.Daemon.Uri, "nwfilter-dumpxml", "summoner-test-filter");
        Assert.Contains("NEW,INVALID", listed, StringComparison.Ordinal);
        var other = Assert.Throws<LibvirtException>(() => daemon.Connection.DefineNetworkFilter(Filter("9f5e2d7c-6a1b-4c3d-8e9f-1a2b3c4d5e6f", "NEW")));
        Assert.Contains("'summoner-test-filter'", other.Message, StringComparison.Ordinal);
        Summoner.Testing.Command.Run("virsh", "-c", daemon.Daemon.Uri, "nwfilter-undefine", "summoner-test-filter");
    }

    [Fact]
    public void The_embedded_driver_has_no_nwfilter_and_says_where_one_is()
    {
        var error = Assert.Throws<LibvirtException>(() => embedded.Connection.DefineNetworkFilter(Filter("0f5e2d7c-6a1b-4c3d-8e9f-1a2b3c4d5e6f", "NEW")));
        Assert.Equal(LibvirtException.ErrNoSupport, error.Code);
        Assert.Contains("libvirt-daemon-driver-nwfilter", error.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_libvirt_cannot_apply_for_want_of_iptables_names_the_packages()
    {
        // libvirt 9.0's words when /usr/sbin/iptables is missing on the host (seen with a test libvirtd that had it hidden).
        string? remedy = Remedies.For(1, "internal error: Failed to apply firewall rules /usr/sbin/iptables -w -I FORWARD 1 -j libvirt-in: libvirt:  error : cannot execute binary /usr/sbin/iptables: No such file or directory");
        Assert.Contains("apt-get install iptables ebtables", remedy, StringComparison.Ordinal);
    }
}
