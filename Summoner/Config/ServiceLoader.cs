using System.Net;
using Summoner.Toml;

namespace Summoner.Config;

/// <summary>Reads the [[service]] entries: names, images, ports, per-service overrides, and address allocation.</summary>
internal sealed class ServiceLoader(string file, string baseDirectory, List<ConfigError> errors, List<string> warnings)
{
    private static readonly string[] ServiceKeys =
        ["name", "dns_names", "image", "ports", "memory", "vcpus", "command_line", "idle_timeout", "boot_deadline", "warm_pool", "warm_pool_mode", "address", "ready_ports", "env", "egress"];

    private const long MiB = 1L << 20;

    private sealed record Draft(ConfigSection Section, ServiceConfig Service, List<(TomlString Node, string Host, int Port)> Egress);

    public List<ServiceConfig> Load(ConfigSection root, DnsConfig dns, NetworkConfig network, LimitsConfig limits, MetricsConfig metrics, ServiceDefaults defaults)
    {
        if (!root.Table.TryGetValue("service", out TomlNode? node)) return [];
        if (node is not TomlArray { IsArrayOfTables: true } array || array.Any(e => e is not TomlTable))
        {
            root.Error(node.Position, "'service' must be written as [[service]] tables, one per service");
            return [];
        }

        var drafts = new List<Draft>();
        var names = new Dictionary<string, TomlPosition>(StringComparer.Ordinal);
        var dnsNames = new Dictionary<string, TomlPosition>(StringComparer.Ordinal);
        foreach (string reserved in dns.NameServers.Append(dns.Zone).Append(dns.Soa.Mname)) dnsNames.TryAdd(reserved, new TomlPosition(0, 0));

        for (int index = 0; index < array.Count; index++)
        {
            var table = (TomlTable)array[index];
            string display = table.TryGetValue("name", out TomlNode? n) && n is TomlString ns ? $"[[service]] '{ns.Value}'" : $"[[service]] #{index + 1}";
            var s = new ConfigSection(file, table, display, ServiceKeys, errors);
            string? name = s.String("name");
            if (name is null)
            {
                if (!s.Has("name")) s.Error(table.Position, $"{s.Name} has no name: add name = \"...\" (a DNS label such as \"hello\")");
                continue;
            }
            if (DnsName.ValidateLabel(name) is { } problem || !char.IsAsciiLetterLower(name[0]) || name.Any(char.IsAsciiLetterUpper))
            {
                s.Error(s.PositionOf("name"), $"service name '{name}' must be a lower-case DNS label starting with a letter (a-z, 0-9, '-'; at most 63)");
                continue;
            }
            if (names.TryGetValue(name, out TomlPosition first))
            {
                s.Error(s.PositionOf("name"), $"duplicate service name '{name}': already used by the service at {first}");
                continue;
            }
            names.Add(name, s.PositionOf("name"));

            var egress = Egress(s);
            ServiceConfig? service = LoadOne(s, name, dns, limits, defaults, dnsNames);
            if (service is not null) drafts.Add(new Draft(s, service with { Egress = [.. egress.Select(e => e.Host + ":" + e.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))] }, egress));
        }

        CheckEgressServices(drafts, dns);
        foreach (Draft d in drafts.Where(d => d.Service.UdpPorts.Count > 0 && d.Service.Ports.Contains(Kernel.Net.App.UdpTunnelFrame.DefaultPort)))
            d.Section.Error(d.Section.PositionOf("ports"), $"{d.Section.Name} has UDP ports, whose tunnel uses the guest's TCP port {Kernel.Net.App.UdpTunnelFrame.DefaultPort}: pick another service port");
        return AllocateAddresses(drafts, dns, network, metrics);
    }

    private ServiceConfig? LoadOne(ConfigSection s, string name, DnsConfig dns, LimitsConfig limits, ServiceDefaults defaults, Dictionary<string, TomlPosition> taken)
    {
        var serviceDnsNames = new List<string>();
        if (s.List<TomlString>("dns_names", "a DNS name string", "DNS names") is { } written)
        {
            if (written.Count == 0) s.Error(s.PositionOf("dns_names"), $"dns_names in {s.Name} is empty: list at least one name, or leave it out for \"{name}.{dns.Zone}\"");
            foreach (TomlString w in written)
            {
                if (s.CheckDnsName(w, "dns_names") is not { } n) continue;
                // One label is relative to the zone; anything with a dot must be inside the zone.
                string full = n.Contains('.', StringComparison.Ordinal) ? n : n + "." + dns.Zone;
                if (!DnsName.IsInZone(full, dns.Zone))
                {
                    s.Error(w.Position, $"dns_names in {s.Name}: '{w.Value}' is outside the zone {dns.Zone} (write \"{n.Split('.')[0]}\" or \"{n.Split('.')[0]}.{dns.Zone}\")");
                    continue;
                }
                AddDnsName(s, full, w.Position, taken, serviceDnsNames);
            }
        }
        else if (!s.Has("dns_names"))
        {
            AddDnsName(s, name + "." + dns.Zone, s.PositionOf("name"), taken, serviceDnsNames);
        }

        string? image = s.String("image");
        string? imagePath = null;
        if (image is null)
        {
            if (!s.Has("image")) s.Error(s.Table.Position, $"{s.Name} has no image: add image = \"{name}\" (artifacts/images/{name}.elf) or a path to an ELF");
        }
        else if (image.Length == 0 || image.Any(char.IsControl))
        {
            s.Error(s.PositionOf("image"), $"image in {s.Name} must be an app name (\"hello\") or a path to an ELF image");
        }
        else
        {
            bool isAppName = ServiceConfig.IsAppName(image);
            imagePath = isAppName ? AppImage(image) : Path.GetFullPath(Path.Combine(baseDirectory, image));
            if (!File.Exists(imagePath))
                warnings.Add($"{file}:{s.PositionOf("image")}: image of service '{name}' not found at {imagePath}: {ServiceConfig.BuildRemedy(image)}");
            else if (GuestImage.Problem(imagePath) is { } problem)
                s.Error(s.PositionOf("image"), $"image of service '{name}' at {imagePath} {problem}" + (isAppName ? ": rebuild it with ./summoner build" : ": point image at a guest built by ./summoner build or by dotnet build in a summoner new project"));
        }

        var (ports, udpPorts) = Ports(s);
        var (readyPorts, readyUdpPorts) = ReadyPorts(s, ports, udpPorts);
        IReadOnlyList<KeyValuePair<string, string>> environment = ServiceEnvironment.Load(s);

        long memory = defaults.MemoryBytes;
        if (s.Has("memory"))
        {
            long? m = s.Size("memory", 4 * MiB, 1L << 40);
            if (m is { } v && v % MiB != 0) s.Error(s.PositionOf("memory"), $"memory in {s.Name} must be a whole number of MiB (QEMU allocates guest memory in MiB), not {ByteSize.Format(v)}");
            else if (m is { } v2 && v2 > limits.TotalGuestMemoryBytes) s.Error(s.PositionOf("memory"), $"memory in {s.Name} ({ByteSize.Format(v2)}) is more than [limits] guest_memory ({ByteSize.Format(limits.TotalGuestMemoryBytes)}), so it could never start");
            else if (m is { } v3) memory = v3;
        }
        int warmPool = (int)(s.Integer("warm_pool", 0, 64) ?? 0);
        if (warmPool > limits.RunningGuests)
            s.Error(s.PositionOf("warm_pool"), $"warm_pool in {s.Name} ({warmPool}) is more than [limits] running_guests ({limits.RunningGuests})");

        string commandLine = s.String("command_line") ?? "";
        if (commandLine.Any(char.IsControl) || commandLine.Length > 1024)
            s.Error(s.PositionOf("command_line"), $"command_line in {s.Name} must be one line of at most 1024 characters");

        IPAddress? address = s.Address("address");

        return imagePath is null || ports.Count + udpPorts.Count == 0
            ? null
            : new ServiceConfig
            {
                Name = name,
                DnsNames = serviceDnsNames,
                Image = image!,
                ImagePath = imagePath,
                Ports = ports,
                ReadyPorts = readyPorts,
                UdpPorts = udpPorts,
                ReadyUdpPorts = readyUdpPorts,
                Environment = environment,
                MemoryBytes = memory,
                Vcpus = (int)(s.Integer("vcpus", 1, 64) ?? defaults.Vcpus),
                CommandLine = commandLine,
                IdleTimeout = s.Duration("idle_timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(365)) ?? defaults.IdleTimeout,
                BootDeadline = s.Duration("boot_deadline", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)) ?? defaults.BootDeadline,
                WarmPool = warmPool,
                WarmPoolMode = s.Enum<WarmPoolMode>("warm_pool_mode") ?? WarmPoolMode.Booted,
                Address = address ?? IPAddress.None,
                Position = s.Table.Position,
                ImagePosition = s.PositionOf("image"),
            };
    }

    /// <summary>
    /// An app name is an image ./summoner build made: beside this file when the file is in a checkout
    /// (the default summoner.toml), else in the checkout this summoner was built in, so that a
    /// summoner.toml copied elsewhere still finds hello and echo.
    /// </summary>
    private string AppImage(string app)
    {
        string beside = Checkout.AppImage(baseDirectory, app);
        return File.Exists(beside) || Checkout.Root() is not { } root ? beside : Checkout.AppImage(root, app);
    }

    /// <summary>
    /// ports: a bare integer is a TCP port, a string "PORT/tcp" or "PORT/udp" names the protocol.
    /// The same number may be listed once per protocol (DNS on 53 and 53/udp).
    /// </summary>
    private static (List<int> Tcp, List<int> Udp) Ports(ConfigSection s)
    {
        var tcp = new List<int>();
        var udp = new List<int>();
        if (s.Node<TomlArray>("ports", "an array of ports (80, \"53/udp\")") is not { } array)
        {
            if (!s.Has("ports"))
                s.Error(s.Table.Position, $"{s.Name} has no ports: add ports = [80] (the port(s) its guest listens on, \"53/udp\" for UDP; readiness waits for each of them, or for ready_ports)");
            return (tcp, udp);
        }
        if (array.Count == 0) s.Error(array.Position, $"ports in {s.Name} is empty: list the port(s) the guest listens on, e.g. [80] or [\"53/udp\"]");
        for (int k = 0; k < array.Count; k++)
        {
            if (Port(s, "ports", k, array[k]) is not { } p) continue;
            List<int> into = p.Udp ? udp : tcp;
            if (into.Contains(p.Number)) s.Error(array[k].Position, $"port {Describe(p)} is listed twice in {s.Name}");
            else into.Add(p.Number);
        }
        return (tcp, udp);
    }

    private static string Describe((int Number, bool Udp) port) => port.Udp ? $"{port.Number}/udp" : port.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One entry of ports or ready_ports; null (with an error at the entry) when it is not a port.</summary>
    private static (int Number, bool Udp)? Port(ConfigSection s, string key, int index, TomlNode node)
    {
        const string range = "out of range: ports are 1-65535";
        switch (node)
        {
            case TomlInteger i:
                if (i.Value is < 1 or > 65535)
                {
                    s.Error(i.Position, $"port {i.Value} in {s.Name} is {range}");
                    return null;
                }
                return ((int)i.Value, false);
            case TomlString text:
                int slash = text.Value.IndexOf('/', StringComparison.Ordinal);
                string number = slash < 0 ? text.Value : text.Value[..slash];
                string protocol = slash < 0 ? "" : text.Value[(slash + 1)..];
                if (!int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
                {
                    s.Error(text.Position, $"{key}[{index}] in {s.Name} is \"{text.Value}\", not a port: write 80 (TCP), \"80/tcp\" or \"53/udp\"");
                    return null;
                }
                if (protocol is not ("tcp" or "udp"))
                {
                    s.Error(text.Position, slash < 0
                        ? $"{key}[{index}] in {s.Name} is the string \"{text.Value}\": write {n} for TCP or \"{n}/udp\" for UDP"
                        : $"{key}[{index}] in {s.Name} has unknown protocol '{protocol}': write \"{n}/tcp\" or \"{n}/udp\"");
                    return null;
                }
                if (n is < 1 or > 65535)
                {
                    s.Error(text.Position, $"port \"{text.Value}\" in {s.Name} is {range}");
                    return null;
                }
                return (n, protocol == "udp");
            default:
                s.Error(node.Position, $"{key}[{index}] in {s.Name} must be a port (80, \"80/tcp\" or \"53/udp\"), not {node.Describe()}");
                return null;
        }
    }

    /// <summary>ready_ports: the ports readiness waits for, a subset of ports in the same notation; all of them when absent.</summary>
    private static (List<int> Tcp, List<int> Udp) ReadyPorts(ConfigSection s, List<int> ports, List<int> udpPorts)
    {
        if (!s.Has("ready_ports")) return (ports, udpPorts);
        if (s.Node<TomlArray>("ready_ports", "an array of ports (80, \"53/udp\")") is not { } written) return (ports, udpPorts);
        var tcp = new List<int>();
        var udp = new List<int>();
        if (written.Count == 0) s.Error(written.Position, $"ready_ports in {s.Name} is empty: list at least one of its ports, or leave it out to wait for all of them");
        for (int k = 0; k < written.Count; k++)
        {
            if (Port(s, "ready_ports", k, written[k]) is not { } p) continue;
            if (!(p.Udp ? udpPorts : ports).Contains(p.Number))
            {
                string all = string.Join(", ", ports.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Concat(udpPorts.Select(n => $"\"{n}/udp\"")));
                s.Error(written[k].Position, $"ready_ports in {s.Name} lists {Describe(p)}, which is not in its ports [{all}]");
            }
            else if (!(p.Udp ? udp : tcp).Contains(p.Number)) (p.Udp ? udp : tcp).Add(p.Number);
        }
        return tcp.Count + udp.Count == 0 ? (ports, udpPorts) : (tcp, udp);
    }

    /// <summary>egress: "host:port" strings, host a DNS name or an IPv4 address; lower-cased, each once.</summary>
    private static List<(TomlString Node, string Host, int Port)> Egress(ConfigSection s)
    {
        var result = new List<(TomlString, string, int)>();
        if (s.List<TomlString>("egress", "a \"host:port\" string", "\"host:port\" strings") is not { } written) return result;
        foreach (TomlString w in written)
        {
            int colon = w.Value.LastIndexOf(':');
            string host = colon < 0 ? w.Value : w.Value[..colon].ToLowerInvariant().TrimEnd('.');
            if (colon <= 0 || !int.TryParse(w.Value[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                s.Error(w.Position, $"egress in {s.Name}: \"{w.Value}\" is not \"host:port\" (a DNS name or IPv4 address, and a port 1-65535), e.g. \"api.example.test:443\"");
                continue;
            }
            bool isAddress = IPAddress.TryParse(host, out IPAddress? address);
            if (isAddress && address!.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                s.Error(w.Position, $"egress in {s.Name}: \"{w.Value}\" is not an IPv4 address: guests connect out over IPv4 only");
                continue;
            }
            if (!isAddress)
            {
                if (DnsName.Validate(host, out string normalized) is { } problem)
                {
                    s.Error(w.Position, $"egress in {s.Name}: \"{w.Value}\": {problem}");
                    continue;
                }
                host = normalized;
            }
            if (result.Any(e => e.Item2 == host && e.Item3 == port))
            {
                s.Error(w.Position, $"egress in {s.Name} lists \"{host}:{port}\" twice");
                continue;
            }
            result.Add((w, host, port));
        }
        return result;
    }

    /// <summary>A name inside the zone is another service: it must exist and listen on that TCP port (else every connect would fail).</summary>
    private static void CheckEgressServices(List<Draft> drafts, DnsConfig dns)
    {
        foreach (Draft d in drafts)
        {
            if (d.Egress.Count > 0 && d.Service.Ports.Contains(Kernel.Net.App.EgressLine.DefaultPort))
                d.Section.Error(d.Section.PositionOf("ports"), $"{d.Section.Name} has egress, whose broker uses the guest's port {Kernel.Net.App.EgressLine.DefaultPort}: pick another service port");
            foreach ((TomlString node, string host, int port) in d.Egress)
            {
                if (!DnsName.IsInZone(host, dns.Zone)) continue;
                Draft? target = drafts.FirstOrDefault(t => t.Service.DnsNames.Contains(host, StringComparer.Ordinal));
                if (target is null)
                    d.Section.Error(node.Position, $"egress in {d.Section.Name}: {host} is inside the zone {dns.Zone} but no service has that name: name a service (e.g. \"{drafts[0].Service.DnsNames[0]}:{drafts[0].Service.Ports.FirstOrDefault(80)}\") or a host outside the zone");
                else if (!target.Service.Ports.Contains(port))
                    d.Section.Error(node.Position, $"egress in {d.Section.Name}: service '{target.Service.Name}' has no TCP port {port} (its ports: {target.Service.PortList})");
            }
        }
    }

    private static void AddDnsName(ConfigSection s, string full, TomlPosition position, Dictionary<string, TomlPosition> taken, List<string> into)
    {
        if (taken.TryGetValue(full, out TomlPosition first))
        {
            s.Error(position, first.Line == 0
                ? $"DNS name '{full}' of {s.Name} is the zone apex or a name server name, which the zone itself answers for"
                : $"duplicate DNS name '{full}': already used by the service at {first}");
            return;
        }
        taken.Add(full, position);
        into.Add(full);
    }

    /// <summary>
    /// Addresses written in the file are checked and reserved first; the rest are handed out in
    /// file order from the mode's range, skipping the gateway, 127.0.0.1 and Summoner's own listeners.
    /// </summary>
    private static List<ServiceConfig> AllocateAddresses(List<Draft> drafts, DnsConfig dns, NetworkConfig network, MetricsConfig metrics)
    {
        bool bridge = network.Mode == NetworkMode.Bridge;
        IPNetwork range = bridge ? network.Bridge.Subnet : network.LoopbackRange;
        string rangeName = bridge ? $"[network.bridge] subnet {range}" : $"[network] loopback_range {range}";
        var used = new HashSet<IPAddress> { IPAddress.Loopback, dns.Listen.Address, metrics.Listen.Address };
        if (bridge) used.Add(network.Bridge.Gateway);
        var owners = new Dictionary<IPAddress, string>();

        foreach (Draft d in drafts.Where(d => !d.Service.Address.Equals(IPAddress.None)))
        {
            IPAddress a = d.Service.Address;
            if (!ConfigLoader.IsHostIn(range, a))
                d.Section.Error(d.Section.PositionOf("address"), $"address {a} of {d.Section.Name} is not a host address inside {rangeName}");
            else if (owners.TryGetValue(a, out string? other))
                d.Section.Error(d.Section.PositionOf("address"), $"address {a} of {d.Section.Name} is already the address of service '{other}'");
            else if (used.Contains(a))
                d.Section.Error(d.Section.PositionOf("address"), $"address {a} of {d.Section.Name} is taken by Summoner itself (127.0.0.1, the DNS or metrics listener, or the bridge gateway)");
            else owners.Add(a, d.Service.Name);
        }

        var result = new List<ServiceConfig>();
        uint next = 1;
        uint hostBits = 32 - (uint)range.PrefixLength;
        uint size = hostBits >= 32 ? uint.MaxValue : 1u << (int)hostBits;
        foreach (Draft d in drafts)
        {
            if (!d.Service.Address.Equals(IPAddress.None))
            {
                result.Add(d.Service);
                continue;
            }
            IPAddress? chosen = null;
            for (; next < size - 1; next++)
            {
                IPAddress candidate = ConfigLoader.Offset(range.BaseAddress, next);
                if (!used.Contains(candidate) && !owners.ContainsKey(candidate))
                {
                    chosen = candidate;
                    next++;
                    break;
                }
            }
            if (chosen is null)
            {
                d.Section.Error(d.Section.Table.Position, $"no free address left in {rangeName} for {d.Section.Name}: use a larger range");
                continue;
            }
            owners.Add(chosen, d.Service.Name);
            result.Add(d.Service with { Address = chosen });
        }
        return result;
    }
}
