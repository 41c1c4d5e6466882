using System.Net;
using Summoner.Toml;

namespace Summoner.Config;

/// <summary>Maps the TOML tree of summoner.toml onto <see cref="SummonerConfig"/>, checking every field.</summary>
internal sealed class ConfigLoader
{
    private static readonly string[] RootKeys = ["dns", "libvirt", "network", "limits", "metrics", "defaults", "service", "host", "placement"];
    private static readonly string[] DnsKeys = ["listen", "zone", "ns", "service_ttl", "answer_deadline", "tcp_connections", "tcp_connections_per_client", "tcp_message_timeout", "soa"];
    private static readonly string[] SoaKeys = ["mname", "rname", "serial", "refresh", "retry", "expire", "minimum"];
    private static readonly string[] LibvirtKeys = ["uri", "state_dir", "accelerator", "keep_logs"];
    private static readonly string[] NetworkKeys = ["mode", "loopback_range", "bridge"];
    private static readonly string[] BridgeKeys = ["name", "subnet", "gateway", "netns"];
    private static readonly string[] LimitsKeys = ["concurrent_boots", "running_guests", "guest_memory", "waiting_summons",
        "waiting_queries", "client_summons", "client_summon_refill", "client_budget_loopback"];
    private static readonly string[] MetricsKeys = ["listen", "allow_remote"];
    private static readonly string[] DefaultsKeys = ["memory", "vcpus", "idle_timeout", "boot_deadline"];

    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);
    private static readonly TimeSpan DnsTimerMax = TimeSpan.FromSeconds(int.MaxValue);
    private const long MiB = 1L << 20;

    private readonly string _file;
    private readonly string _baseDirectory;
    private readonly TomlTable _root;
    private readonly List<ConfigError> _errors = [];
    private readonly List<string> _warnings = [];

    public ConfigLoader(string file, TomlTable root)
    {
        _file = file;
        _baseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        _root = root;
    }

    public SummonerConfig Load()
    {
        var root = new ConfigSection(_file, _root, "the top level", RootKeys, _errors);
        DnsConfig dns = LoadDns(Section(root, "dns", DnsKeys));
        LibvirtConfig libvirt = LoadLibvirt(Section(root, "libvirt", LibvirtKeys));
        NetworkConfig network = LoadNetwork(Section(root, "network", NetworkKeys));
        LimitsConfig limits = LoadLimits(Section(root, "limits", LimitsKeys));
        MetricsConfig metrics = LoadMetrics(Section(root, "metrics", MetricsKeys));
        ServiceDefaults defaults = LoadDefaults(Section(root, "defaults", DefaultsKeys));
        List<ServiceConfig> services = LoadServices(root, dns, network, limits, metrics, defaults);
        List<HostConfig> hosts = new HostLoader(_file, _errors, _warnings).Load(root, network);
        PlacementConfig placement = HostLoader.LoadPlacement(Section(root, "placement", HostLoader.PlacementKeys));
        if (hosts.Count > 0 && network.Mode == NetworkMode.Bridge && root.Table.TryGetValue("host", out TomlNode? hostNode))
            _errors.Add(new ConfigError(_file, hostNode.Position, "[network] mode = \"bridge\" with [[host]] entries: bridge mode is then per host; use mode = \"loopback\" and give each remote host network = \"loopback\" (forwards on its address_range) or network = \"bridge\" (guests on a bridge there), or remove the [[host]] entries"));
        // Without hosts the door always holds the services' addresses: an entrance = "host" there would be silently ignored.
        if (hosts.Count == 0 && placement.Entrance == Entrance.Host && _root.TryGetValue("placement", out TomlNode? p) && p is TomlTable pt && pt.ContainsKey("entrance"))
            _warnings.Add("[placement] entrance = \"host\" applies only with [[host]] entries: with this machine alone clients always connect through the door");

        if (_errors.Count > 0)
            throw new ConfigException(_errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        return new SummonerConfig
        {
            SourcePath = Path.GetFullPath(_file),
            BaseDirectory = _baseDirectory,
            Dns = dns,
            Libvirt = libvirt,
            Network = network,
            Limits = limits,
            Metrics = metrics,
            Defaults = defaults,
            Services = services,
            Hosts = hosts,
            Placement = placement,
            Warnings = _warnings,
        };
    }

    private static ConfigSection? Section(ConfigSection root, string key, string[] allowed)
    {
        if (!root.Table.TryGetValue(key, out TomlNode? node)) return null;
        if (node is TomlTable) return root.Section(key, allowed);
        root.Error(node.Position, $"'{key}' must be a table ([{key}]), not {node.Describe()}");
        return null;
    }

    private static DnsConfig LoadDns(ConfigSection? s)
    {
        string zone = s?.DnsName("zone") ?? "summoner.test";
        var nameServers = new List<string>();
        if (s?.List<TomlString>("ns", "a DNS name string", "DNS names") is { } nsList)
        {
            if (nsList.Count == 0) s.Error(s.PositionOf("ns"), "ns in [dns] must name at least one name server (for example [\"ns1." + zone + "\"])");
            foreach (TomlString ns in nsList)
            {
                if (s.CheckDnsName(ns, "ns") is { } name) nameServers.Add(name);
            }
        }
        if (nameServers.Count == 0) nameServers.Add("ns1." + zone);

        ConfigSection? soa = s is null ? null : Section(s, "soa", SoaKeys);
        int tcpConnections = (int)(s?.Integer("tcp_connections", 1, 65536) ?? 256);
        int tcpPerClient = (int)(s?.Integer("tcp_connections_per_client", 1, 65536) ?? 16);
        if (tcpPerClient > tcpConnections)
        {
            s!.Error(s.PositionOf("tcp_connections_per_client"),
                $"tcp_connections_per_client in {s.Name} ({tcpPerClient}) must not exceed tcp_connections ({tcpConnections}): one client could then take every connection");
            tcpPerClient = tcpConnections;
        }
        return new DnsConfig
        {
            Listen = s?.Endpoint("listen") ?? new IPEndPoint(IPAddress.Loopback, 5300),
            Zone = zone,
            NameServers = nameServers,
            ServiceTtl = s?.Seconds("service_ttl", DnsTimerMax) ?? TimeSpan.FromSeconds(1),
            AnswerDeadline = s?.Duration("answer_deadline", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(10),
            TcpConnections = tcpConnections,
            TcpConnectionsPerClient = tcpPerClient,
            TcpMessageTimeout = s?.Duration("tcp_message_timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)) ?? TimeSpan.FromSeconds(2),
            Soa = new SoaConfig
            {
                Mname = soa?.DnsName("mname") ?? nameServers[0],
                Rname = soa?.DnsName("rname") ?? "hostmaster." + zone,
                Serial = (uint)(soa?.Integer("serial", 0, uint.MaxValue) ?? 1),
                Refresh = soa?.Seconds("refresh", DnsTimerMax) ?? TimeSpan.FromHours(1),
                Retry = soa?.Seconds("retry", DnsTimerMax) ?? TimeSpan.FromMinutes(10),
                Expire = soa?.Seconds("expire", DnsTimerMax) ?? TimeSpan.FromDays(1),
                Minimum = soa?.Seconds("minimum", DnsTimerMax) ?? TimeSpan.FromSeconds(5),
            },
        };
    }

    private LibvirtConfig LoadLibvirt(ConfigSection? s)
    {
        string stateDirectory = Path.GetFullPath(Path.Combine(_baseDirectory, "state"));
        if (s?.String("state_dir") is { } dir)
        {
            if (dir.Length == 0 || dir.Any(char.IsControl)) s.Error(s.PositionOf("state_dir"), "state_dir in [libvirt] must be a directory path (relative paths are taken from the config file's directory)");
            else stateDirectory = Path.GetFullPath(Path.Combine(_baseDirectory, dir));
        }
        string uri = "qemu:///embed?root=" + Path.Combine(stateDirectory, "libvirt");
        if (s?.String("uri") is { } written)
        {
            if (!System.Uri.TryCreate(written, UriKind.Absolute, out Uri? parsed) || !written.Contains("://", StringComparison.Ordinal))
                s.Error(s.PositionOf("uri"), $"uri in [libvirt]: '{written}' is not a libvirt URI (for example \"qemu:///system\", or leave it out for the embedded driver under state_dir)");
            else if (parsed.Scheme is not ("qemu" or "test") && !parsed.Scheme.StartsWith("qemu+", StringComparison.Ordinal))
                s.Error(s.PositionOf("uri"), $"uri in [libvirt]: Summoner drives QEMU guests, so the URI must use the qemu driver (qemu:///system, qemu:///session, qemu:///embed?root=...), not '{parsed.Scheme}'");
            else uri = written;
        }
        return new LibvirtConfig
        {
            Uri = uri,
            StateDirectory = stateDirectory,
            Accelerator = s?.Enum<Accelerator>("accelerator") ?? Accelerator.Auto,
            KeepLogs = (int)(s?.Integer("keep_logs", 1, 1000) ?? 5),
        };
    }

    private static NetworkConfig LoadNetwork(ConfigSection? s)
    {
        IPNetwork range = IPNetwork.Parse("127.77.0.0/16");
        if (s?.Network("loopback_range") is { } written)
        {
            if (!IPNetwork.Parse("127.0.0.0/8").Contains(written.BaseAddress) || written.PrefixLength < 8 || written.PrefixLength > 30)
                s.Error(s.PositionOf("loopback_range"), $"loopback_range in [network] must be inside 127.0.0.0/8 with a prefix from /8 to /30, not {written}");
            else range = written;
        }
        ConfigSection? b = s is null ? null : Section(s, "bridge", BridgeKeys);
        string bridgeName = b?.String("name") ?? "sumbr0";
        if (b is not null && b.Has("name") && !IsInterfaceName(bridgeName))
            b.Error(b.PositionOf("name"), $"name in [network.bridge]: '{bridgeName}' is not a Linux interface name (1-15 letters, digits, '_' or '-')");
        IPNetwork subnet = b?.Network("subnet") ?? IPNetwork.Parse("10.77.0.0/24");
        if (subnet.PrefixLength > 30)
        {
            b!.Error(b.PositionOf("subnet"), $"subnet in [network.bridge] must leave room for guests (a prefix of /30 or shorter), not {subnet}");
            subnet = IPNetwork.Parse("10.77.0.0/24");
        }
        IPAddress gateway = b?.Address("gateway") ?? FirstHost(subnet);
        if (b is not null && b.Has("gateway") && !IsHostIn(subnet, gateway))
            b.Error(b.PositionOf("gateway"), $"gateway in [network.bridge] must be a host address inside the subnet {subnet}, not {gateway}");
        string? netns = b?.String("netns");
        if (netns is not null && !IsNetnsName(netns))
            b!.Error(b.PositionOf("netns"), $"netns in [network.bridge]: '{netns}' is not a network namespace name (letters, digits, '_', '-', '.'; leave it out for the host's namespace)");
        return new NetworkConfig
        {
            Mode = s?.Enum<NetworkMode>("mode") ?? NetworkMode.Loopback,
            LoopbackRange = range,
            Bridge = new BridgeConfig { Name = bridgeName, Subnet = subnet, Gateway = gateway, Netns = netns },
        };
    }

    private static LimitsConfig LoadLimits(ConfigSection? s) => new()
    {
        ConcurrentBoots = (int)(s?.Integer("concurrent_boots", 1, 1024) ?? 4),
        RunningGuests = (int)(s?.Integer("running_guests", 1, 65_536) ?? 32),
        TotalGuestMemoryBytes = s?.Size("guest_memory", 16 * MiB, 1L << 50) ?? 2L << 30,
        WaitingSummons = (int)(s?.Integer("waiting_summons", 0, 65_536) ?? 64),
        WaitingQueries = (int)(s?.Integer("waiting_queries", 1, 1_000_000) ?? 1024),
        ClientSummons = (int)(s?.Integer("client_summons", 0, 1_000_000) ?? 20),
        ClientSummonRefill = s?.Duration("client_summon_refill", TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1)) ?? TimeSpan.FromSeconds(3),
        ClientBudgetLoopback = s?.Boolean("client_budget_loopback") ?? false,
    };

    private static ServiceDefaults LoadDefaults(ConfigSection? s) => new()
    {
        MemoryBytes = s is null ? 64 * MiB : Memory(s) ?? 64 * MiB,
        Vcpus = (int)(s?.Integer("vcpus", 1, 64) ?? 1),
        IdleTimeout = s?.Duration("idle_timeout", TimeSpan.FromMilliseconds(100), OneDay * 365) ?? TimeSpan.FromMinutes(1),
        BootDeadline = s?.Duration("boot_deadline", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(10),
    };

    /// <summary>Guest memory: QEMU takes whole MiB.</summary>
    private static long? Memory(ConfigSection s)
    {
        long? bytes = s.Size("memory", 4 * MiB, 1L << 40);
        if (bytes is { } b && b % MiB != 0)
        {
            s.Error(s.PositionOf("memory"), $"memory in {s.Name} must be a whole number of MiB (QEMU allocates guest memory in MiB), not {ByteSize.Format(b)}");
            return null;
        }
        return bytes;
    }

    private static bool IsInterfaceName(string name) =>
        name.Length is >= 1 and <= 15 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static bool IsNetnsName(string name) =>
        name.Length is >= 1 and <= 64 && name is not ("." or "..") && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    internal static IPAddress FirstHost(IPNetwork network) => Offset(network.BaseAddress, 1);

    internal static IPAddress Offset(IPAddress address, uint by) => Engine.Ipv4.Offset(address, by);

    /// <summary>Inside the network and neither its network nor its broadcast address.</summary>
    internal static bool IsHostIn(IPNetwork network, IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !network.Contains(address)) return false;
        uint hostBits = 32 - (uint)network.PrefixLength;
        uint size = hostBits == 32 ? uint.MaxValue : (1u << (int)hostBits);
        return !address.Equals(network.BaseAddress) && !address.Equals(Offset(network.BaseAddress, size - 1));
    }

    private MetricsConfig LoadMetrics(ConfigSection? s)
    {
        var listen = s?.Endpoint("listen") ?? new IPEndPoint(IPAddress.Loopback, 9753);
        bool allowRemote = s?.Boolean("allow_remote") ?? false;
        if (!IPAddress.IsLoopback(listen.Address))
        {
            if (!allowRemote)
                s!.Error(s.PositionOf("listen"),
                    $"listen in {s.Name} is {listen}, outside loopback: /metrics would answer other hosts. Use 127.0.0.1, or set allow_remote = true if that is what you want (the control API still needs the token)");
            else
                _warnings.Add($"[metrics] listen = {listen} is outside loopback (allow_remote = true): /metrics, /healthz and /readyz answer other hosts");
        }
        return new MetricsConfig { Listen = listen, AllowRemote = allowRemote };
    }

    private List<ServiceConfig> LoadServices(ConfigSection root, DnsConfig dns, NetworkConfig network, LimitsConfig limits, MetricsConfig metrics, ServiceDefaults defaults)
        => new ServiceLoader(_file, _baseDirectory, _errors, _warnings).Load(root, dns, network, limits, metrics, defaults);
}
