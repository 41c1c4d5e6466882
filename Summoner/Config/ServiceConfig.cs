using System.Net;
using Summoner.Toml;

namespace Summoner.Config;

/// <summary>One [[service]]: a unikernel image summoned when one of its DNS names is queried.</summary>
public sealed record ServiceConfig
{
    /// <summary>Unique name (a DNS label): used in logs, metrics labels, `summoner stop NAME`, libvirt domain names.</summary>
    public required string Name { get; init; }

    /// <summary>Fully qualified, lower-case, no trailing dot; unique across services. Default: NAME.ZONE.</summary>
    public required IReadOnlyList<string> DnsNames { get; init; }

    /// <summary>The image as written: an app name ("hello") or a path.</summary>
    public required string Image { get; init; }

    /// <summary>Absolute path of the ELF: an app name means artifacts/images/NAME.elf beside the config file.</summary>
    public required string ImagePath { get; init; }

    /// <summary>Whether <paramref name="image"/> names an app of a checkout ("hello") rather than a path.</summary>
    public static bool IsAppName(string image) => image.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>What builds a missing image: ./summoner build makes a checkout's apps; a path is most
    /// often a project of <c>summoner new</c>, which <c>dotnet build</c> makes.</summary>
    public static string BuildRemedy(string image) => IsAppName(image)
        ? "run ./summoner build"
        : "build it (dotnet build in a project made by summoner new writes bin/NAME.elf) or correct the path";

    /// <summary>The refusal serve and reload give while the image is missing (the loader only warns:
    /// a build may come before serve); null once it is there.</summary>
    public string? MissingImage(string sourcePath) => File.Exists(ImagePath)
        ? null
        : $"{sourcePath}:{ImagePosition}: service {Name}: image {ImagePath} does not exist: {BuildRemedy(Image)}";

    /// <summary>TCP ports the guest listens on; in loopback mode forwarded from <see cref="Address"/> on the same ports.</summary>
    public required IReadOnlyList<int> Ports { get; init; }

    /// <summary>The TCP ports readiness waits for (ready_ports): a subset of <see cref="Ports"/>, all of them by default.</summary>
    public IReadOnlyList<int> ReadyPorts { get; init; } = [];

    /// <summary>UDP ports the guest binds ("53/udp" in ports); the door relays datagrams to them.</summary>
    public IReadOnlyList<int> UdpPorts { get; init; } = [];

    /// <summary>The UDP ports readiness waits for: a subset of <see cref="UdpPorts"/>, all of them by default.</summary>
    public IReadOnlyList<int> ReadyUdpPorts { get; init; } = [];

    /// <summary>The ports as a person reads them: "80,443,53/udp".</summary>
    public string PortList => string.Join(',', Ports.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).Concat(UdpPorts.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/udp")));

    /// <summary>The [service.env] table: settings the app reads through ServiceSettings, handed to the
    /// guest through fw_cfg (never the kernel command line). Values are never logged or printed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>Where the guest may connect out ("host:port", lower-case): Summoner's egress broker
    /// dials only these; a host inside the zone is another service (reached through its door, so
    /// connecting summons it). Empty: no outbound connections at all.</summary>
    public IReadOnlyList<string> Egress { get; init; } = [];

    public required long MemoryBytes { get; init; }

    public int MemoryMiB => (int)(MemoryBytes >> 20);

    public required int Vcpus { get; init; }

    /// <summary>Appended to the guest kernel command line after what Summoner itself passes.</summary>
    public required string CommandLine { get; init; }

    public required TimeSpan IdleTimeout { get; init; }

    public required TimeSpan BootDeadline { get; init; }

    /// <summary>Guests kept booted and suspended, ready to resume (issue 8); 0 = none.</summary>
    public required int WarmPool { get; init; }

    /// <summary>booted: pool guests booted to readiness then suspended (a query only resumes one);
    /// paused: created paused before boot (hides libvirt's create cost; the guest still boots).</summary>
    public WarmPoolMode WarmPoolMode { get; init; } = WarmPoolMode.Booted;

    /// <summary>
    /// The service's own address: set in the file, or allocated at load from the loopback range
    /// (loopback mode) or the bridge subnet (bridge mode), in file order, never colliding.
    /// </summary>
    public required IPAddress Address { get; init; }

    /// <summary>Where the [[service]] header is, for messages about this service.</summary>
    public required TomlPosition Position { get; init; }

    /// <summary>Where its image is written, for messages about the image.</summary>
    public required TomlPosition ImagePosition { get; init; }
}

public enum WarmPoolMode
{
    Booted,
    Paused,
}
