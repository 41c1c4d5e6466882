using System.Net;
using Summoner.Config;
using Summoner.Engine;
using Summoner.Serve;

namespace Summoner.Tests.Config;

/// <summary>What a reload compares: a service's spec against its new one, the running global sections against the file's.</summary>
[Trait("Category", "unit")]
public sealed class ReloadDiffTests : IDisposable
{
    private readonly string _image = Path.GetTempFileName();

    public void Dispose() => File.Delete(_image);

    private ServiceSpec Spec() =>
        new("hello", ["hello.summoner.test"], _image, [80], 64, 1, "", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(20))
        {
            Environment = [new("name", "a")],
            PublicAddress = IPAddress.Parse("127.77.0.1"),
        };

    [Fact]
    public void An_equal_spec_differs_in_nothing_even_with_other_list_instances_and_name_case()
    {
        ServiceSpec a = Spec();
        ServiceSpec b = Spec() with { DnsNames = ["HELLO.summoner.test"], Environment = [new("name", "a")] };
        Assert.Empty(a.Differences(b));
    }

    [Fact]
    public void Each_changed_setting_is_named_by_its_config_key()
    {
        ServiceSpec a = Spec();
        Assert.Equal(["env"], a.Differences(a with { Environment = [new("name", "b")] }));
        Assert.Equal(["ports", "ready_ports", "memory"], a.Differences(a with { Ports = [80, 443], MemoryMiB = 128 }));
        // ready_ports naming every port is what no ready_ports means.
        Assert.Empty(a.Differences(a with { ReadyPorts = [80] }));
        Assert.Equal(["ready_ports"], a.Differences(a with { ReadyPorts = [81] }));
        Assert.Equal(["ports", "ready_ports"], a.Differences(a with { UdpPorts = [53] })); // a UDP port is a port too
        Assert.Equal(["vcpus", "command_line"], a.Differences(a with { VirtualCpus = 2, ExtraCommandLine = "x=1" }));
        Assert.Equal(["dns_names", "address"], a.Differences(a with { DnsNames = ["hi.summoner.test"], PublicAddress = IPAddress.Parse("127.77.0.9") }));
        Assert.Equal(["idle_timeout", "boot_deadline", "warm_pool"], a.Differences(a with { IdleTimeout = TimeSpan.FromSeconds(5), BootDeadline = TimeSpan.FromSeconds(9), PoolMode = PoolMode.Created }));
    }

    [Fact]
    public void An_image_rebuilt_in_place_is_a_change_and_so_is_another_path()
    {
        ServiceSpec before = Spec();
        File.WriteAllText(_image, "rebuilt again with another length");
        File.SetLastWriteTimeUtc(_image, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(["image"], before.Differences(Spec()));
        Assert.Equal(["image"], before.Differences(before with { ImagePath = _image + ".other" }));
    }

    private const string Base = """
        [dns]
        listen = "127.0.0.1:5300"
        zone = "summoner.test"
        service_ttl = "1s"
        [limits]
        running_guests = 8
        [[service]]
        name = "hello"
        image = "hello"
        ports = [80]
        """;

    private static SummonerConfig Parse(string text) => SummonerConfig.Parse(text, "/srv/sum/summoner.toml");

    [Fact]
    public void Services_and_zone_records_apply_live_and_nothing_needs_a_restart()
    {
        SummonerConfig running = Parse(Base);
        SummonerConfig next = Parse(Base.Replace("zone = \"summoner.test\"", "zone = \"summoner.test\"\nns = [\"ns2.summoner.test\"]", StringComparison.Ordinal)
            + "\n[[service]]\nname = \"echo\"\nimage = \"echo\"\nports = [7]\nmemory = \"32MiB\"\n");
        Assert.Empty(ConfigReload.NeedsRestart(running, next));
        Assert.Empty(ConfigReload.NeedsRestart(running, Parse(Base)));
    }

    [Fact]
    public void A_changed_host_list_needs_a_restart_but_an_entry_moved_down_the_file_does_not()
    {
        const string Host = "\n[[host]]\nname = \"here\"\nguests = 4\n";
        SummonerConfig running = Parse(Base + Host);
        Assert.Empty(ConfigReload.NeedsRestart(running, Parse(Base + "\n# a comment above the host\n" + Host)));
        Assert.Equal(["[[host]]"], ConfigReload.NeedsRestart(running, Parse(Base + Host.Replace("guests = 4", "guests = 5", StringComparison.Ordinal))));
        Assert.Equal(["[[host]]"], ConfigReload.NeedsRestart(running, Parse(Base + Host
            + "[[host]]\nname = \"rack-b\"\nuri = \"qemu+tcp://10.0.5.1/system\"\naddress_range = \"10.0.5.0/28\"\nimage_dir = \"/var/lib/summoner/images\"\n")));
        Assert.Equal(["[[host]]"], ConfigReload.NeedsRestart(running, Parse(Base)));
    }

    [Fact]
    public void Settings_bound_at_start_are_reported_as_needing_a_restart()
    {
        SummonerConfig running = Parse(Base);
        SummonerConfig next = Parse(Base.Replace("127.0.0.1:5300", "127.0.0.1:5301", StringComparison.Ordinal)
            .Replace("service_ttl = \"1s\"", "service_ttl = \"5s\"", StringComparison.Ordinal)
            .Replace("running_guests = 8", "running_guests = 9", StringComparison.Ordinal)
            + "\n[network]\nmode = \"loopback\"\nloopback_range = \"127.78.0.0/16\"\n[metrics]\nlisten = \"127.0.0.1:9999\"\n[libvirt]\nstate_dir = \"/var/lib/other\"\n[placement]\nentrance = \"door\"\n");
        Assert.Equal(["[dns] listen", "[dns] service_ttl", "[libvirt]", "[network]", "[limits]", "[metrics]", "[placement]"], ConfigReload.NeedsRestart(running, next));
    }

    [Fact]
    public void Loopback_guests_draw_from_the_upper_half_so_an_added_service_address_is_free()
    {
        SummonerConfig config = Parse(Base + "\n[network]\nloopback_range = \"127.78.0.0/16\"\n");
        LoopbackNetworkPlan plan = EngineSetup.LoopbackPlan(config);
        GuestNetwork guest = plan.Allocate(Spec(), "summoner-hello-1");
        byte[] b = guest.ServiceAddress.GetAddressBytes();
        Assert.Equal((127, 78), (b[0], b[1]));
        Assert.True(b[2] >= 128, $"guest got {guest.ServiceAddress}, in the half services are numbered from");
        Assert.Equal(IPAddress.Parse("127.78.0.1"), config.Services[0].Address);
    }
}
