using System.Net;
using Summoner.Toml;

namespace Summoner.Config;

public enum PlacementRule
{
    /// <summary>The host with the smallest share of its caps taken.</summary>
    Spread,

    /// <summary>The host with the largest share taken that still has room: fills one host before the next.</summary>
    Pack,
}

/// <summary>With [[host]] entries: what a client connects to, and so what DNS answers.</summary>
public enum Entrance
{
    /// <summary>The guest's address on its host: clients reach the host directly; a cold service needs a query first.</summary>
    Host,

    /// <summary>The service's own address on this machine, held by the door as with one host: a bare connect wakes
    /// a cold service, at the cost of every byte passing through this machine.</summary>
    Door,
}

/// <summary>[placement]: how summons pick among the [[host]] entries, when a host counts as down, and where clients connect.</summary>
public sealed record PlacementConfig
{
    public PlacementRule Rule { get; init; } = PlacementRule.Spread;

    public Entrance Entrance { get; init; } = Entrance.Host;

    /// <summary>A host whose connection stops answering is marked down within this (libvirt keepalive plus the check interval).</summary>
    public TimeSpan DownAfter { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>[[host]]: one machine guests may run on, reached through its libvirt URI.</summary>
public sealed record HostConfig
{
    public required string Name { get; init; }

    /// <summary>libvirt URI (qemu+tcp://, qemu+ssh://, qemu+tls://, qemu:///system); null: this machine's embedded driver.</summary>
    public string? Uri { get; init; }

    public bool IsLocal => Uri is null;

    /// <summary>Guests this host may run at once.</summary>
    public required int Guests { get; init; }

    public required long GuestMemoryBytes { get; init; }

    /// <summary>The addresses clients use to reach this host's guests, routed to the host and reachable from
    /// clients and from serve: each guest's own address, from which its QEMU forwards its ports (loopback,
    /// the range local there) or which the guest holds itself on <see cref="Bridge"/> (bridge, the range
    /// is that bridge's subnet).</summary>
    public required IPNetwork AddressRange { get; init; }

    /// <summary>network = "bridge": the bridge the operator made on that host; null for loopback guests.</summary>
    public string? Bridge { get; init; }

    /// <summary>With <see cref="Bridge"/>: the bridge's address there, the guests' default gateway, inside <see cref="AddressRange"/>.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>Directory on that host for the image storage pool (libvirt uploads images into it).</summary>
    public required string ImageDirectory { get; init; }

    public required Accelerator Accelerator { get; init; }

    public required TomlPosition Position { get; init; }
}

/// <summary>Reads the [[host]] entries and [placement].</summary>
internal sealed class HostLoader(string file, List<ConfigError> errors, List<string> warnings)
{
    private static readonly string[] HostKeys = ["name", "uri", "guests", "guest_memory", "network", "bridge", "gateway", "address_range", "image_dir", "accelerator"];
    internal static readonly string[] PlacementKeys = ["rule", "down_after", "entrance"];
    private const long MiB = 1L << 20;

    public static PlacementConfig LoadPlacement(ConfigSection? s) => new()
    {
        Rule = s?.Enum<PlacementRule>("rule") ?? PlacementRule.Spread,
        DownAfter = s?.Duration("down_after", TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(5),
        Entrance = s is null ? Entrance.Host : LoadEntrance(s),
    };

    private static Entrance LoadEntrance(ConfigSection s)
    {
        switch (s.String("entrance"))
        {
            case null or "host": return Entrance.Host;
            case "door": return Entrance.Door;
            case { } other:
                s.Error(s.PositionOf("entrance"), $"entrance in {s.Name} must be \"host\" (clients connect to the guest on its host; a cold service needs a DNS query first) "
                    + $"or \"door\" (clients connect to the service's address on this machine, which wakes a cold service and relays every byte), not \"{other}\"");
                return Entrance.Host;
        }
    }

    public List<HostConfig> Load(ConfigSection root, NetworkConfig network)
    {
        if (!root.Table.TryGetValue("host", out TomlNode? node)) return [];
        if (node is not TomlArray { IsArrayOfTables: true } array || array.Any(e => e is not TomlTable))
        {
            root.Error(node.Position, "'host' must be written as [[host]] tables, one per host");
            return [];
        }
        var hosts = new List<HostConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int index = 0; index < array.Count; index++)
        {
            var table = (TomlTable)array[index];
            string display = table.TryGetValue("name", out TomlNode? n) && n is TomlString ns ? $"[[host]] '{ns.Value}'" : $"[[host]] #{index + 1}";
            var s = new ConfigSection(file, table, display, HostKeys, errors);
            if (LoadOne(s, network) is not { } host) continue;
            if (!names.Add(host.Name))
            {
                s.Error(s.PositionOf("name"), $"host name '{host.Name}' is used twice: each [[host]] needs its own name");
                continue;
            }
            if (host.IsLocal && hosts.FirstOrDefault(h => h.IsLocal) is { } local)
            {
                s.Error(table.Position, $"{s.Name} and [[host]] '{local.Name}' both leave out uri (this machine's embedded driver): only one may; give the other its libvirt URI");
                continue;
            }
            if (hosts.FirstOrDefault(h => Overlaps(h.AddressRange, host.AddressRange)) is { } other)
            {
                s.Error(s.PositionOf("address_range"), $"address_range in {s.Name} ({host.AddressRange}) overlaps [[host]] '{other.Name}' ({other.AddressRange}): each host's guests need addresses of their own");
                continue;
            }
            if (host.Bridge is not null)
                warnings.Add($"{file}:{s.PositionOf("network")}: {s.Name} runs guests on bridge '{host.Bridge}' with their own addresses, outside this machine's "
                    + $"firewall: libvirt's nwfilter on that host keeps them from opening connections (filter {Egress.GuestNetworkFilter.Name}, defined at connect), "
                    + "which needs iptables and ebtables installed there; serve's log says if that host's libvirt cannot take the filter");
            hosts.Add(host);
        }
        return hosts;
    }

    private static bool IsInterfaceName(string name) =>
        name.Length is >= 1 and <= 15 && (char.IsAsciiLetterOrDigit(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static bool Overlaps(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);

    private static HostConfig? LoadOne(ConfigSection s, NetworkConfig network)
    {
        string? name = s.String("name");
        if (name is null)
        {
            if (!s.Has("name")) s.Error(s.Table.Position, $"{s.Name} has no name: add name = \"...\" (a label such as \"rack1-a\"; ps and hosts show it)");
            return null;
        }
        if (DnsName.ValidateLabel(name) is not null || name.Any(char.IsAsciiLetterUpper))
        {
            s.Error(s.PositionOf("name"), $"host name '{name}' must be a lower-case label (a-z, 0-9, '-'; at most 63)");
            return null;
        }
        bool ok = true;
        string? uri = s.String("uri");
        if (uri is not null)
        {
            if (!System.Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed) || !uri.Contains("://", StringComparison.Ordinal)
                || !(parsed.Scheme == "qemu" || parsed.Scheme.StartsWith("qemu+", StringComparison.Ordinal)))
            {
                s.Error(s.PositionOf("uri"), $"uri in {s.Name}: '{uri}' is not a QEMU libvirt URI (for example \"qemu+ssh://root@host1/system\" or \"qemu+tcp://10.0.0.2/system\"; leave it out for this machine's embedded driver)");
                ok = false;
            }
            else if (uri.StartsWith("qemu:///embed", StringComparison.Ordinal))
            {
                s.Error(s.PositionOf("uri"), $"uri in {s.Name}: leave uri out for this machine's embedded driver (its root is [libvirt] state_dir)");
                ok = false;
            }
        }
        string mode = s.String("network") ?? "loopback";
        bool bridged = mode == "bridge";
        if (mode is not ("loopback" or "bridge"))
        {
            s.Error(s.PositionOf("network"), $"network in {s.Name} must be \"loopback\" (QEMU forwards on the host's address_range) or \"bridge\" (guests on a bridge there, address_range its routed subnet), not '{mode}'");
            ok = false;
        }
        else if (bridged && uri is null && !s.Has("uri"))
        {
            s.Error(s.PositionOf("network"), $"network in {s.Name}: bridge mode is for a remote host (give its uri); this machine's [[host]] runs loopback guests");
            ok = false;
        }
        string? bridge = s.String("bridge");
        if (!bridged)
        {
            foreach (string key in new[] { "bridge", "gateway" })
                if (s.Has(key))
                {
                    s.Error(s.PositionOf(key), $"{key} in {s.Name} applies only with network = \"bridge\": set network = \"bridge\" (guests on that host's bridge), or remove {key}");
                    ok = false;
                }
        }
        else if (bridge is null)
        {
            if (!s.Has("bridge")) s.Error(s.PositionOf("network"), $"{s.Name} has network = \"bridge\" but no bridge: add the name of the bridge made on that host (for example bridge = \"br0\")");
            ok = false;
        }
        else if (!IsInterfaceName(bridge))
        {
            s.Error(s.PositionOf("bridge"), $"bridge in {s.Name}: '{bridge}' is not a Linux interface name (1-15 letters, digits, '_', '-' or '.')");
            ok = false;
        }
        IPNetwork? range = s.Network("address_range");
        if (range is null)
        {
            if (uri is null) range = network.LoopbackRange;
            else
            {
                if (!s.Has("address_range"))
                    s.Error(s.Table.Position, $"{s.Name} has no address_range: add the addresses clients use to reach its guests, routed to that host (for example address_range = \"10.0.0.128/28\")");
                ok = false;
            }
        }
        else if (range.Value.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || range.Value.PrefixLength > 30)
        {
            s.Error(s.PositionOf("address_range"), $"address_range in {s.Name} must be an IPv4 range with room for guests (/30 or wider), not {range}");
            ok = false;
        }
        else if (uri is null && !IPNetwork.Parse("127.0.0.0/8").Contains(range.Value.BaseAddress))
        {
            s.Error(s.PositionOf("address_range"), $"address_range in {s.Name}: this machine's host forwards guests on loopback, so the range must be inside 127.0.0.0/8, not {range}");
            ok = false;
        }
        else if (bridged && IPNetwork.Parse("127.0.0.0/8").Contains(range.Value.BaseAddress))
        {
            s.Error(s.PositionOf("address_range"), $"address_range in {s.Name}: with network = \"bridge\" it is the subnet on bridge '{bridge}' routed to that host, which cannot be loopback ({range})");
            ok = false;
        }
        IPAddress? gateway = null;
        if (bridged && range is { } subnet && ok)
        {
            gateway = s.Address("gateway");
            if (gateway is null)
            {
                if (s.Has("gateway")) ok = false;
                else gateway = ConfigLoader.FirstHost(subnet);
            }
            else if (!ConfigLoader.IsHostIn(subnet, gateway))
            {
                s.Error(s.PositionOf("gateway"), $"gateway in {s.Name} must be the bridge's address on that host, a host address inside address_range {subnet}, not {gateway}");
                ok = false;
            }
        }
        string imageDir = s.String("image_dir") ?? "/var/lib/summoner/images";
        if (!imageDir.StartsWith('/') || imageDir.Any(char.IsControl))
        {
            s.Error(s.PositionOf("image_dir"), $"image_dir in {s.Name} must be an absolute directory path on that host, not '{imageDir}'");
            ok = false;
        }
        Accelerator accelerator = s.Enum<Accelerator>("accelerator") ?? (uri is null ? Accelerator.Auto : Accelerator.Kvm);
        if (uri is not null && accelerator == Accelerator.Auto)
        {
            s.Error(s.PositionOf("accelerator"), $"accelerator in {s.Name}: \"auto\" probes with a local boot, which a remote host cannot do; write \"kvm\" or \"tcg\"");
            ok = false;
        }
        long memory = s.Size("guest_memory", 16 * MiB, 1L << 50) ?? 2L << 30;
        int guests = (int)(s.Integer("guests", 1, 65_536) ?? 16);
        if (!ok || range is null) return null;
        return new HostConfig
        {
            Name = name,
            Uri = uri,
            Guests = guests,
            GuestMemoryBytes = memory,
            AddressRange = range.Value,
            Bridge = bridged ? bridge : null,
            Gateway = gateway,
            ImageDirectory = imageDir,
            Accelerator = accelerator,
            Position = s.Table.Position,
        };
    }
}
