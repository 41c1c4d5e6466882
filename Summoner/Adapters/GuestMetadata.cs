using System.Globalization;
using System.Net;
using Summoner.Engine;
using Summoner.Libvirt;

namespace Summoner.Adapters;

/// <summary>
/// What Summoner writes into each domain's libvirt &lt;metadata&gt; (one element in its own
/// namespace) and reads back after a restart: the creating instance, the service and the digest of
/// its definition, and the network attachment, so a guest can be taken back without a boot.
/// </summary>
public static class GuestMetadata
{
    public const string Namespace = "urn:x-summoner:guest:1";

    public static DomainMetadata? Of(GuestLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (launch.Ownership is not { } owner) return null;
        var a = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["instance"] = owner.InstanceId,
            ["service"] = owner.Service,
            ["fingerprint"] = owner.Fingerprint,
            ["address"] = launch.Network.ServiceAddress.ToString(),
        };
        switch (launch.Network)
        {
            case LoopbackNetwork l:
                a["network"] = "loopback";
                a["ports"] = string.Join(',', l.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
                if (l.UdpPorts.Count > 0) a["udp_ports"] = string.Join(',', l.UdpPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
                break;
            case BridgeNetwork b:
                a["network"] = "bridge";
                a["bridge"] = b.Bridge;
                if (b.Namespace is not null) a["netns"] = b.Namespace;
                a["prefix"] = b.PrefixLength.ToString(CultureInfo.InvariantCulture);
                a["gateway"] = b.Gateway.ToString();
                a["mac"] = b.MacAddress;
                a["tap"] = b.TapName;
                break;
            case RemoteBridgeNetwork r:
                a["network"] = "remote-bridge";
                a["bridge"] = r.Bridge;
                a["prefix"] = r.PrefixLength.ToString(CultureInfo.InvariantCulture);
                a["gateway"] = r.Gateway.ToString();
                a["mac"] = r.MacAddress;
                break;
        }
        return new DomainMetadata(Namespace, "summoner", "guest", a);
    }

    /// <summary>Ownership and network from a domain's XML; nulls when it carries no (or unreadable) Summoner metadata.</summary>
    public static (GuestOwnership? Ownership, GuestNetwork? Network) Read(string domainXml)
    {
        IReadOnlyDictionary<string, string>? a = DomainXml.ReadMetadata(domainXml, Namespace);
        if (a is null || !a.TryGetValue("instance", out string? instance) || !a.TryGetValue("service", out string? service)
            || !a.TryGetValue("fingerprint", out string? fingerprint))
            return (null, null);
        return (new GuestOwnership(instance, service, fingerprint), ReadNetwork(a));
    }

    /// <summary>
    /// The domain's memory in MiB from its XML (&lt;memory unit='KiB'&gt;, libvirt's unit for a live
    /// domain, though it honours the attribute); 0 when it cannot be read.
    /// </summary>
    public static int MemoryMiB(string domainXml)
    {
        System.Xml.Linq.XElement? memory;
        try { memory = System.Xml.Linq.XDocument.Parse(domainXml).Root?.Element("memory"); }
        catch (System.Xml.XmlException) { return 0; }
        if (memory is null || !long.TryParse(memory.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long amount)) return 0;
        long bytesPerUnit = ((string?)memory.Attribute("unit") ?? "KiB") switch
        {
            "b" or "bytes" => 1,
            "KiB" or "k" => 1L << 10,
            "MiB" or "M" => 1L << 20,
            "GiB" or "G" => 1L << 30,
            _ => 0,
        };
        return bytesPerUnit == 0 ? 0 : (int)Math.Min(int.MaxValue, amount * bytesPerUnit >> 20);
    }

    private static List<int>? Ports(string text)
    {
        var ports = new List<int>();
        foreach (string p in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int port)) return null;
            ports.Add(port);
        }
        return ports;
    }

    private static GuestNetwork? ReadNetwork(IReadOnlyDictionary<string, string> a)
    {
        if (!a.TryGetValue("address", out string? text) || !IPAddress.TryParse(text, out IPAddress? address)) return null;
        string Get(string key) => a.GetValueOrDefault(key) ?? "";
        switch (Get("network"))
        {
            case "loopback":
                if (Ports(Get("ports")) is not { } ports || Ports(Get("udp_ports")) is not { } udpPorts) return null;
                return new LoopbackNetwork(address, ports) { UdpPorts = udpPorts };
            case "bridge":
                if (!int.TryParse(Get("prefix"), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || !IPAddress.TryParse(Get("gateway"), out IPAddress? gateway))
                    return null;
                return new BridgeNetwork(Get("bridge"), a.GetValueOrDefault("netns"), address, prefix, gateway, Get("mac"), Get("tap"));
            case "remote-bridge":
                if (!int.TryParse(Get("prefix"), NumberStyles.None, CultureInfo.InvariantCulture, out int remotePrefix) || !IPAddress.TryParse(Get("gateway"), out IPAddress? remoteGateway))
                    return null;
                return new RemoteBridgeNetwork(Get("bridge"), address, remotePrefix, remoteGateway, Get("mac"));
            default:
                return null;
        }
    }
}
