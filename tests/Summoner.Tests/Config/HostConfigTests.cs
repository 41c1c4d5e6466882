using System.Net;
using Summoner.Config;

namespace Summoner.Tests.Config;

/// <summary>[[host]] and [placement]: defaults, what each key means, and located errors with a remedy.</summary>
[Trait("Category", "unit")]
public sealed class HostConfigTests
{
    private const string File = "/srv/sum/test.toml";
    private const string Service = "[[service]]\nname = \"hello\"\nimage = \"hello\"\nports = [80]\n";

    private static ConfigError SingleError(string text)
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(text, File));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void Without_hosts_the_local_embedded_driver_is_used_as_before()
    {
        SummonerConfig config = SummonerConfig.Parse(Service, File);
        Assert.Empty(config.Hosts);
        Assert.Equal(PlacementRule.Spread, config.Placement.Rule);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Placement.DownAfter);
        Assert.Equal(Entrance.Host, config.Placement.Entrance);
        Assert.StartsWith("qemu:///embed?root=", config.Libvirt.Uri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", Entrance.Host)]
    [InlineData("entrance = \"host\"\n", Entrance.Host)]
    [InlineData("entrance = \"door\"\n", Entrance.Door)]
    public void Entrance_is_the_guests_host_unless_the_door_is_chosen(string key, Entrance expected)
    {
        SummonerConfig config = SummonerConfig.Parse(Service + "[placement]\n" + key + "[[host]]\nname = \"here\"\n", File);
        Assert.Equal(expected, config.Placement.Entrance);
        Assert.DoesNotContain(config.Warnings, w => w.Contains("entrance", StringComparison.Ordinal));
    }

    [Fact]
    public void Entrance_host_without_hosts_warns_that_the_door_is_used_anyway()
    {
        SummonerConfig config = SummonerConfig.Parse(Service + "[placement]\nentrance = \"host\"\n", File);
        Assert.Contains(config.Warnings, w => w.Contains("only with [[host]] entries", StringComparison.Ordinal));
        Assert.DoesNotContain(SummonerConfig.Parse(Service + "[placement]\nentrance = \"door\"\n", File).Warnings, w => w.Contains("entrance", StringComparison.Ordinal));
    }

    [Fact]
    public void Hosts_read_with_their_caps_ranges_and_defaults()
    {
        SummonerConfig config = SummonerConfig.Parse(Service + """
            [placement]
            rule = "pack"
            down_after = "3s"

            [[host]]
            name = "here"

            [[host]]
            name = "rack-b"
            uri = "qemu+tcp://10.88.0.12/system"
            guests = 4
            guest_memory = "512MiB"
            address_range = "10.99.2.0/28"
            image_dir = "/srv/summoner/images"
            accelerator = "tcg"
            """, File);
        Assert.Equal(PlacementRule.Pack, config.Placement.Rule);
        Assert.Equal(TimeSpan.FromSeconds(3), config.Placement.DownAfter);
        HostConfig here = config.Hosts[0];
        Assert.True(here.IsLocal);
        Assert.Equal(16, here.Guests);
        Assert.Equal(2L << 30, here.GuestMemoryBytes);
        Assert.Equal(config.Network.LoopbackRange, here.AddressRange);
        HostConfig b = config.Hosts[1];
        Assert.Equal(("rack-b", "qemu+tcp://10.88.0.12/system", 4, 512L << 20), (b.Name, b.Uri, b.Guests, b.GuestMemoryBytes));
        Assert.Equal(IPNetwork.Parse("10.99.2.0/28"), b.AddressRange);
        Assert.Equal("/srv/summoner/images", b.ImageDirectory);
        Assert.Equal(Accelerator.Tcg, b.Accelerator);
    }

    [Theory]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\n", 5, 1, "has no address_range")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"xen://h/\"\naddress_range = \"10.1.0.0/28\"\n", 7, 7, "not a QEMU libvirt URI")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\naccelerator = \"auto\"\n", 9, 15, "write \"kvm\" or \"tcg\"")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\nnetwork = \"bridge\"\n", 9, 11, "no bridge: add the name of the bridge made on that host")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\nnetwork = \"routed\"\n", 9, 11, "must be \"loopback\" (QEMU forwards on the host's address_range) or \"bridge\"")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\nnetwork = \"bridge\"\nbridge = \"br 0\"\n", 10, 10, "'br 0' is not a Linux interface name")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\nnetwork = \"bridge\"\nbridge = \"br0\"\ngateway = \"10.1.0.15\"\n", 11, 11, "a host address inside address_range 10.1.0.0/28, not 10.1.0.15")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\nbridge = \"br0\"\n", 9, 10, "bridge in [[host]] 'a' applies only with network = \"bridge\"")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\ngateway = \"10.1.0.1\"\n", 9, 11, "gateway in [[host]] 'a' applies only with network = \"bridge\"")]
    [InlineData("[[host]]\nname = \"a\"\nnetwork = \"bridge\"\nbridge = \"br0\"\n", 7, 11, "bridge mode is for a remote host (give its uri)")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"127.9.0.0/28\"\nnetwork = \"bridge\"\nbridge = \"br0\"\n", 8, 17, "which cannot be loopback")]
    [InlineData("[[host]]\nname = \"a\"\naddress_range = \"10.1.0.0/28\"\n", 7, 17, "inside 127.0.0.0/8")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\nimage_dir = \"images\"\n", 9, 13, "absolute directory path")]
    [InlineData("[[host]]\nname = \"a\"\nuri = \"qemu+tcp://h/system\"\naddress_range = \"10.1.0.0/28\"\ncores = 4\n", 9, 1, "unknown key 'cores' in [[host]] 'a'")]
    [InlineData("[placement]\nrule = \"random\"\n", 6, 8, "rule")]
    [InlineData("[placement]\ndown_after = \"100ms\"\n", 6, 14, "down_after in [placement] must be from 3s")]
    [InlineData("[placement]\nentrance = \"proxy\"\n", 6, 12, "entrance in [placement] must be \"host\" (clients connect to the guest on its host")]
    [InlineData("[placement]\nentrance = true\n", 6, 12, "entrance in [placement] must be a string")]
    public void A_bad_host_or_placement_key_is_reported_at_its_line_and_column_with_what_to_write(string toml, int line, int column, string says)
    {
        ConfigError e = SingleError(Service + toml);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_hosts_may_not_share_a_name_an_address_range_or_the_local_driver()
    {
        const string Remote = "uri = \"qemu+tcp://h/system\"\n";
        Assert.Contains("used twice", SingleError(Service + "[[host]]\nname = \"a\"\n" + Remote + "address_range = \"10.1.0.0/28\"\n[[host]]\nname = \"a\"\n" + Remote + "address_range = \"10.2.0.0/28\"\n").Message, StringComparison.Ordinal);
        ConfigError overlap = SingleError(Service + "[[host]]\nname = \"a\"\n" + Remote + "address_range = \"10.1.0.0/24\"\n[[host]]\nname = \"b\"\n" + Remote + "address_range = \"10.1.0.16/28\"\n");
        Assert.Contains("overlaps [[host]] 'a'", overlap.Message, StringComparison.Ordinal);
        Assert.Equal(12, overlap.Line);
        Assert.Contains("only one may", SingleError(Service + "[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3s", 1, 1)]
    [InlineData("5s", 1, 3)]
    [InlineData("1m", 15, 2)]
    public void Keepalive_closes_a_silent_connection_within_down_after(string downAfter, int interval, int count)
    {
        PlacementConfig placement = SummonerConfig.Parse(Service + $"[placement]\ndown_after = \"{downAfter}\"\n", File).Placement;
        Assert.Equal((interval, count), Summoner.Serve.HostSetup.KeepAlive(placement));
        // libvirt closes about interval * (count + 1) after the last answer; the health check adds at most its interval.
        Assert.True(TimeSpan.FromSeconds(interval * (count + 1)) + Summoner.Serve.HostSetup.CheckInterval(placement) <= placement.DownAfter);
    }

    /// <summary>The first toml block after <paramref name="marker"/> in README.md, its list-item <paramref name="indent"/> taken off.</summary>
    private static string ReadmeToml(string marker, string indent)
    {
        string readme = System.IO.File.ReadAllText(Path.Combine(Summoner.Testing.RepoPaths.Root, "README.md"));
        int section = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(section >= 0, $"README has no {marker}");
        string fence = indent + "```";
        int start = readme.IndexOf(fence + "toml\n", section, StringComparison.Ordinal) + fence.Length + "toml\n".Length;
        return string.Join('\n', readme[start..readme.IndexOf(fence, start, StringComparison.Ordinal)].Split('\n')
            .Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l));
    }

    [Fact]
    public void The_readme_worked_example_loads()
    {
        string toml = ReadmeToml("## More than one host", indent: "");
        SummonerConfig config = SummonerConfig.Parse(toml + Service, File);
        Assert.Equal(["here", "rack-b"], config.Hosts.Select(h => h.Name));
        Assert.Equal(PlacementRule.Spread, config.Placement.Rule);
        Assert.Equal(Entrance.Host, config.Placement.Entrance);
        Assert.Equal(32, config.Hosts[1].Guests);
    }

    [Fact]
    public void The_readme_bridge_host_example_loads_and_warns()
    {
        string toml = ReadmeToml("**A bridge on a remote host.**", indent: "  ");
        SummonerConfig config = SummonerConfig.Parse(toml + Service, File);
        HostConfig c = Assert.Single(config.Hosts);
        Assert.Equal(("rack-c", "br0", IPAddress.Parse("10.0.7.1"), IPNetwork.Parse("10.0.7.0/24")), (c.Name, c.Bridge, c.Gateway, c.AddressRange));
        Assert.Contains(config.Warnings, w => w.Contains("outside this machine's firewall", StringComparison.Ordinal));
    }

    [Fact]
    public void Hosts_with_bridge_mode_are_refused_with_the_way_out()
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(Service + "[network]\nmode = \"bridge\"\n[[host]]\nname = \"a\"\n", File));
        Assert.Contains(e.Errors, x => x.Message.Contains("bridge mode is then per host", StringComparison.Ordinal) && x.Message.Contains("network = \"bridge\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bridge_host_reads_its_bridge_and_gateway_and_says_its_egress_rests_on_that_hosts_nwfilter()
    {
        SummonerConfig config = SummonerConfig.Parse(Service + """
            [[host]]
            name = "rack-c"
            uri = "qemu+ssh://root@10.88.0.13/system"
            network = "bridge"
            bridge = "br0"
            address_range = "10.99.3.0/26"
            accelerator = "kvm"
            [[host]]
            name = "rack-d"
            uri = "qemu+tcp://10.88.0.14/system"
            network = "bridge"
            bridge = "sumbr.7"
            gateway = "10.99.4.62"
            address_range = "10.99.4.0/26"
            [[host]]
            name = "rack-e"
            uri = "qemu+tcp://10.88.0.15/system"
            address_range = "10.99.5.0/28"
            """, File);
        HostConfig c = config.Hosts[0];
        // Without gateway the bridge's address is the range's first, as for [network.bridge].
        Assert.Equal(("br0", IPAddress.Parse("10.99.3.1"), IPNetwork.Parse("10.99.3.0/26")), (c.Bridge, c.Gateway, c.AddressRange));
        HostConfig d = config.Hosts[1];
        Assert.Equal(("sumbr.7", IPAddress.Parse("10.99.4.62")), (d.Bridge, d.Gateway));
        HostConfig e = config.Hosts[2];
        Assert.Equal((null, null), (e.Bridge, e.Gateway));
        string[] warnings = [.. config.Warnings.Where(w => w.Contains("outside this machine's firewall", StringComparison.Ordinal))];
        Assert.Equal(2, warnings.Length);
        Assert.StartsWith(File + ":8:11: [[host]] 'rack-c' runs guests on bridge 'br0'", warnings[0], StringComparison.Ordinal);
        Assert.Contains("[[host]] 'rack-d'", warnings[1], StringComparison.Ordinal);
        Assert.All(warnings, w => Assert.Contains("libvirt's nwfilter on that host keeps them from opening connections", w, StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.Contains("iptables and ebtables", w, StringComparison.Ordinal));
    }

    [Fact]
    public void A_bridge_hosts_range_may_not_overlap_another_hosts()
    {
        ConfigError overlap = SingleError(Service + """
            [[host]]
            name = "a"
            uri = "qemu+tcp://h/system"
            address_range = "10.1.0.0/24"
            [[host]]
            name = "b"
            uri = "qemu+tcp://i/system"
            network = "bridge"
            bridge = "br0"
            address_range = "10.1.0.64/26"
            """);
        Assert.Contains("overlaps [[host]] 'a'", overlap.Message, StringComparison.Ordinal);
        Assert.Equal(14, overlap.Line);
    }
}
