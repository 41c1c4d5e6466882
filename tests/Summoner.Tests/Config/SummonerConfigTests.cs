using System.Net;
using Summoner.Config;
using Summoner.Testing;

namespace Summoner.Tests.Config;

[Trait("Category", "unit")]
public sealed class SummonerConfigTests
{
    private const string File = "/srv/sum/test.toml";

    private const string MinimalService = "[[service]]\nname = \"hello\"\nimage = \"hello\"\nports = [80]\n";

    private static ConfigError SingleError(string text)
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(text, File));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void The_repository_default_summoner_toml_loads_and_serves_hello_and_echo_on_loopback()
    {
        string path = Path.Combine(RepoPaths.Root, "summoner.toml");
        SummonerConfig config = SummonerConfig.Load(path);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5300), config.Dns.Listen);
        Assert.Equal("summoner.test", config.Dns.Zone);
        Assert.Equal(["ns1.summoner.test"], config.Dns.NameServers);
        Assert.Equal(TimeSpan.FromSeconds(1), config.Dns.ServiceTtl);
        Assert.Equal("hostmaster.summoner.test", config.Dns.Soa.Rname);
        Assert.Equal(TimeSpan.FromDays(1), config.Dns.Soa.Expire);
        Assert.Equal(Path.Combine(RepoPaths.Root, "state"), config.Libvirt.StateDirectory);
        Assert.Equal("qemu:///embed?root=" + Path.Combine(RepoPaths.Root, "state", "libvirt"), config.Libvirt.Uri);
        Assert.Equal(Summoner.Config.Accelerator.Auto, config.Libvirt.Accelerator);
        Assert.Equal(NetworkMode.Loopback, config.Network.Mode);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9753), config.Metrics.Listen);

        Assert.Equal(["hello", "echo"], config.Services.Select(s => s.Name));
        ServiceConfig hello = config.FindByDnsName("HELLO.summoner.test.")!;
        Assert.Equal("hello", hello.Name);
        Assert.Equal(Path.Combine(RepoPaths.Root, "artifacts", "images", "hello.elf"), hello.ImagePath);
        Assert.Equal([80], hello.Ports);
        Assert.Equal(64, hello.MemoryMiB);
        Assert.Equal(0, hello.WarmPool);
        Assert.Equal(IPAddress.Parse("127.77.0.1"), hello.Address);
        ServiceConfig echo = config.FindByName("echo")!;
        Assert.Equal(["echo.summoner.test"], echo.DnsNames);
        Assert.Equal(32, echo.MemoryMiB);
        Assert.Equal(IPAddress.Parse("127.77.0.2"), echo.Address);
        // Network rule: everything the default config listens on or hands out is loopback.
        Assert.All(config.Services, s => Assert.True(IPAddress.IsLoopback(s.Address)));
        Assert.True(IPAddress.IsLoopback(config.Dns.Listen.Address) && IPAddress.IsLoopback(config.Metrics.Listen.Address));
    }

    [Fact]
    public void A_file_with_only_a_service_gets_the_documented_defaults()
    {
        SummonerConfig config = SummonerConfig.Parse(MinimalService, File);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5300), config.Dns.Listen);
        Assert.Equal("/srv/sum/state", config.Libvirt.StateDirectory);
        Assert.Equal("qemu:///embed?root=/srv/sum/state/libvirt", config.Libvirt.Uri);
        Assert.Equal(4, config.Limits.ConcurrentBoots);
        Assert.Equal(2L << 30, config.Limits.TotalGuestMemoryBytes);
        Assert.Equal(64, config.Limits.WaitingSummons);
        ServiceConfig s = Assert.Single(config.Services);
        Assert.Equal(["hello.summoner.test"], s.DnsNames);
        // No artifacts/images beside /srv/sum/test.toml: the app name means this checkout's image.
        Assert.Equal(Path.Combine(RepoPaths.Images, "hello.elf"), s.ImagePath);
        Assert.Equal(64L << 20, s.MemoryBytes);
        Assert.Equal(TimeSpan.FromMinutes(1), s.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), s.BootDeadline);
        Assert.Equal(IPAddress.Parse("127.77.0.1"), s.Address);
    }

    [Fact]
    public void An_app_name_is_the_image_beside_the_file_else_the_checkouts_and_a_missing_one_is_a_warning_naming_the_build()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-images-").FullName;
        try
        {
            string file = Path.Combine(dir, "summoner.toml");
            ServiceConfig copied = Assert.Single(SummonerConfig.Parse(MinimalService, file).Services);
            Assert.Equal(Path.Combine(RepoPaths.Images, "hello.elf"), copied.ImagePath);

            // A folder with its own artifacts/images (a checkout) uses its own: this junk is refused by name.
            Directory.CreateDirectory(Path.Combine(dir, "artifacts", "images"));
            System.IO.File.WriteAllText(Path.Combine(dir, "artifacts", "images", "hello.elf"), "junk");
            var own = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(MinimalService, file));
            Assert.Contains($"image of service 'hello' at {Path.Combine(dir, "artifacts", "images", "hello.elf")} is not an ELF file", own.Message, StringComparison.Ordinal);

            SummonerConfig missing = SummonerConfig.Parse(MinimalService.Replace("image = \"hello\"", "image = \"nosuchapp\"", StringComparison.Ordinal), file);
            Assert.Contains(missing.Warnings, w => w.Contains($"not found at {Path.Combine(RepoPaths.Images, "nosuchapp.elf")}: run ./summoner build", StringComparison.Ordinal));
            Assert.Equal($"{file}:3:9: service hello: image {Path.Combine(RepoPaths.Images, "nosuchapp.elf")} does not exist: run ./summoner build",
                Assert.Single(missing.Services).MissingImage(file));

            // A path is most often a project of summoner new: the checkout's build would not make it.
            SummonerConfig project = SummonerConfig.Parse(MinimalService.Replace("image = \"hello\"", "image = \"greeter/bin/greeter.elf\"", StringComparison.Ordinal), file);
            string elf = Path.Combine(dir, "greeter", "bin", "greeter.elf");
            Assert.Contains(project.Warnings, w => w.EndsWith($"not found at {elf}: build it (dotnet build in a project made by summoner new writes bin/NAME.elf) or correct the path", StringComparison.Ordinal));
            Assert.EndsWith($"image {elf} does not exist: build it (dotnet build in a project made by summoner new writes bin/NAME.elf) or correct the path",
                Assert.Single(project.Services).MissingImage(file), StringComparison.Ordinal);
            Assert.Null(copied.MissingImage(file));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_syntax_error_is_reported_with_file_line_and_column()
    {
        ConfigError e = SingleError("[dns]\nzone = \"summoner.test\n");
        Assert.Equal($"{File}:2:22: unterminated string: expected a closing '\"' before the end of the line (use \"\"\" for multi-line strings)", e.ToString());
    }

    [Fact]
    public void An_unknown_key_is_an_error_at_the_key_listing_the_allowed_keys()
    {
        ConfigError e = SingleError("[dns]\nzone = \"summoner.test\"\n  listen_port = 53\n");
        Assert.Equal((File, 3, 3), (e.File, e.Line, e.Column));
        Assert.Equal("unknown key 'listen_port' in [dns]; allowed keys: listen, zone, ns, service_ttl, answer_deadline, tcp_connections, tcp_connections_per_client, tcp_message_timeout, soa", e.Message);
    }

    [Fact]
    public void A_metrics_listener_outside_loopback_needs_allow_remote_and_then_warns()
    {
        ConfigError e = SingleError("[metrics]\nlisten = \"0.0.0.0:9753\"\n");
        Assert.Equal((2, 10), (e.Line, e.Column));
        Assert.Contains("outside loopback", e.Message, StringComparison.Ordinal);
        Assert.Contains("allow_remote = true", e.Message, StringComparison.Ordinal);
        SummonerConfig config = SummonerConfig.Parse("[metrics]\nlisten = \"0.0.0.0:9753\"\nallow_remote = true\n", File);
        Assert.True(config.Metrics.AllowRemote);
        Assert.Contains(config.Warnings, w => w.Contains("outside loopback", StringComparison.Ordinal));
    }

    [Fact]
    public void A_per_client_tcp_cap_above_the_global_cap_is_an_error_at_its_key()
    {
        ConfigError e = SingleError("[dns]\ntcp_connections = 10\ntcp_connections_per_client = 20\n");
        Assert.Equal((File, 3, 30), (e.File, e.Line, e.Column));
        Assert.StartsWith("tcp_connections_per_client in [dns] (20) must not exceed tcp_connections (10)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_in_a_service_suggests_the_near_miss()
    {
        ConfigError e = SingleError(MinimalService + "idle_timout = \"5m\"\n");
        Assert.Equal((5, 1), (e.Line, e.Column));
        Assert.StartsWith("unknown key 'idle_timout' in [[service]] 'hello' (did you mean 'idle_timeout'?); allowed keys: name, dns_names, image,", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_section_is_an_error()
    {
        ConfigError e = SingleError("[dnss]\nzone = \"x\"\n" + MinimalService);
        Assert.Equal((1, 2), (e.Line, e.Column));
        Assert.StartsWith("unknown key 'dnss' in the top level (did you mean 'dns'?)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ports = [0]", 4, 10, "port 0 in [[service]] 'hello' is out of range: ports are 1-65535")]
    [InlineData("ports = [80, 65536]", 4, 14, "port 65536 in [[service]] 'hello' is out of range: ports are 1-65535")]
    [InlineData("ports = [80, 80]", 4, 14, "port 80 is listed twice in [[service]] 'hello'")]
    [InlineData("ports = [\"80\"]", 4, 10, "ports[0] in [[service]] 'hello' is the string \"80\": write 80 for TCP or \"80/udp\" for UDP")]
    [InlineData("ports = 80", 4, 9, "ports in [[service]] 'hello' must be an array of ports (80, \"53/udp\"), not an integer")]
    public void Bad_ports_are_errors_at_the_port(string portsLine, int line, int column, string message)
    {
        ConfigError e = SingleError(MinimalService.Replace("ports = [80]", portsLine, StringComparison.Ordinal));
        Assert.Equal((line, column, message), (e.Line, e.Column, e.Message));
    }

    [Fact]
    public void A_bad_listen_port_is_an_error_at_the_value()
    {
        ConfigError e = SingleError("[metrics]\nlisten = \"127.0.0.1:0\"\n" + MinimalService);
        Assert.Equal((2, 10), (e.Line, e.Column));
        Assert.Contains("is not an address and port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_service_name_is_an_error_at_the_second_name()
    {
        ConfigError e = SingleError(MinimalService + "\n" + MinimalService.Replace("[80]", "[8080]", StringComparison.Ordinal));
        Assert.Equal($"{File}:7:8: duplicate service name 'hello': already used by the service at 2:8", e.ToString());
    }

    [Fact]
    public void A_dns_name_used_by_two_services_is_an_error()
    {
        string second = "[[service]]\nname = \"other\"\nimage = \"o\"\nports = [1]\ndns_names = [\"x\", \"hello.summoner.test\"]\n";
        ConfigError e = SingleError(MinimalService + second);
        Assert.Equal($"{File}:9:19: duplicate DNS name 'hello.summoner.test': already used by the service at 2:8", e.ToString());
    }

    [Fact]
    public void Dns_names_outside_the_zone_and_invalid_names_are_errors()
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(
            MinimalService + "dns_names = [\"hello.example.com\", \"bad_name\", \"summoner.test\"]\n", File));
        Assert.Equal(3, e.Errors.Count);
        Assert.Equal((5, 14), (e.Errors[0].Line, e.Errors[0].Column));
        Assert.Contains("outside the zone summoner.test", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("contains '_'", e.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("zone apex", e.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_in_a_file_is_reported_at_once_in_file_order()
    {
        string text = "[limits]\nconcurrent_boots = 0\n[defaults]\nidle_timeout = \"soon\"\nmemory = \"64MB\"\n" + MinimalService + "vcpus = 65\n";
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(text, File));
        Assert.Equal([2, 4, 5, 10], e.Errors.Select(x => x.Line));
        Assert.Equal(
            $"{File}:2:20: concurrent_boots in [limits] must be from 1 to 1024, not 0\n" +
            $"{File}:4:16: idle_timeout in [defaults]: 'soon' is not a duration: {Duration.Expected}\n" +
            $"{File}:5:10: memory in [defaults] must be a whole number of MiB (QEMU allocates guest memory in MiB), not 62500KiB\n" +
            $"{File}:10:9: vcpus in [[service]] 'hello' must be from 1 to 64, not 65",
            e.Message);
    }

    [Fact]
    public void Waiting_summons_may_be_zero_and_is_bounded()
    {
        Assert.Equal(0, SummonerConfig.Parse("[limits]\nwaiting_summons = 0\n" + MinimalService, File).Limits.WaitingSummons);
        Assert.Equal($"{File}:2:19: waiting_summons in [limits] must be from 0 to 65536, not -1", SingleError("[limits]\nwaiting_summons = -1\n" + MinimalService).ToString());
    }

    [Fact]
    public void A_value_of_the_wrong_type_says_what_was_expected()
    {
        ConfigError e = SingleError("[defaults]\nmemory = 64\n" + MinimalService);
        Assert.Equal($"{File}:2:10: memory in [defaults] must be a size string such as \"64MiB\", not an integer", e.ToString());
    }

    [Fact]
    public void Missing_required_service_fields_point_at_the_service_header()
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse("[[service]]\nname = \"a\"\n", File));
        Assert.Equal(2, e.Errors.Count);
        Assert.All(e.Errors, x => Assert.Equal((1, 1), (x.Line, x.Column)));
        Assert.Contains("has no image", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("has no ports", e.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bridge_mode_allocates_addresses_in_the_subnet_around_the_gateway_and_fixed_addresses()
    {
        string text = "[network]\nmode = \"bridge\"\n[network.bridge]\nsubnet = \"10.99.0.0/29\"\ngateway = \"10.99.0.1\"\nnetns = \"sumtest\"\n"
            + MinimalService
            + "[[service]]\nname = \"b\"\nimage = \"b\"\nports = [7]\naddress = \"10.99.0.2\"\n"
            + "[[service]]\nname = \"c\"\nimage = \"c\"\nports = [7]\n";
        SummonerConfig config = SummonerConfig.Parse(text, File);
        Assert.Equal("sumtest", config.Network.Bridge.Netns);
        Assert.Equal(["10.99.0.3", "10.99.0.2", "10.99.0.4"], config.Services.Select(s => s.Address.ToString()));
    }

    [Fact]
    public void Running_out_of_addresses_and_colliding_addresses_are_errors()
    {
        string two = "[[service]]\nname = \"b\"\nimage = \"b\"\nports = [7]\naddress = \"127.77.0.1\"\n";
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(MinimalService + "address = \"127.77.0.1\"\n" + two, File));
        Assert.Equal($"{File}:10:11: address 127.77.0.1 of [[service]] 'b' is already the address of service 'hello'", Assert.Single(e.Errors).ToString());

        string tiny = "[network]\nloopback_range = \"127.9.0.0/30\"\n" + MinimalService + "[[service]]\nname = \"b\"\nimage = \"b\"\nports = [7]\n"
            + "[[service]]\nname = \"c\"\nimage = \"c\"\nports = [7]\n";
        e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(tiny, File));
        Assert.Contains("no free address left in [network] loopback_range 127.9.0.0/30", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loopback_range_outside_127_and_a_non_qemu_uri_are_rejected()
    {
        var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(
            "[libvirt]\nuri = \"xen:///system\"\naccelerator = \"hvf\"\n[network]\nloopback_range = \"10.0.0.0/8\"\n" + MinimalService, File));
        Assert.Equal([(2, 7), (3, 15), (5, 18)], e.Errors.Select(x => (x.Line, x.Column)));
        Assert.Contains("must use the qemu driver", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("accelerator in [libvirt] must be one of \"auto\", \"kvm\", \"tcg\", not \"hvf\"", e.Errors[1].Message);
        Assert.Contains("inside 127.0.0.0/8", e.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_bigger_than_the_memory_cap_could_never_start()
    {
        ConfigError e = SingleError("[limits]\nguest_memory = \"128MiB\"\n" + MinimalService + "memory = \"256MiB\"\n");
        Assert.Equal((7, 10), (e.Line, e.Column));
        Assert.Contains("more than [limits] guest_memory (128MiB)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_config_exits_non_zero_and_prints_located_errors()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-config-").FullName;
        try
        {
            string path = Path.Combine(dir, "bad.toml");
            System.IO.File.WriteAllText(path, MinimalService + "ports = [1]\n");
            var output = new StringWriter();
            var errors = new StringWriter();
            Assert.Equal(1, CheckConfigCommand.Run(path, output, errors));
            Assert.StartsWith($"{path}:5:1: duplicate key 'ports': already defined at 4:1", errors.ToString(), StringComparison.Ordinal);

            System.IO.File.WriteAllText(path, MinimalService);
            Assert.Equal(0, CheckConfigCommand.Run(path, output, errors));
            Assert.Contains("hello.summoner.test -> 127.77.0.1", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
