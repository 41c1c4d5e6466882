namespace Summoner.Engine;

/// <summary>One service as the engine sees it (mapped from a [[service]] entry of the config).</summary>
public sealed record ServiceSpec(
    string Name,
    IReadOnlyList<string> DnsNames,
    string ImagePath,
    IReadOnlyList<int> Ports,
    int MemoryMiB,
    int VirtualCpus,
    string ExtraCommandLine,
    TimeSpan IdleTimeout,
    TimeSpan BootDeadline,
    int WarmPool = 0,
    PoolMode PoolMode = PoolMode.Booted)
{
    /// <summary>UDP ports the guest binds (config "53/udp"); <see cref="Ports"/> are TCP only.</summary>
    public IReadOnlyList<int> UdpPorts { get; init; } = [];

    /// <summary>The TCP ports readiness waits for (config ready_ports); this and <see cref="ReadyUdpPorts"/>
    /// both empty means all of <see cref="Ports"/> and <see cref="UdpPorts"/>.</summary>
    public IReadOnlyList<int> ReadyPorts { get; init; } = [];

    /// <summary>The UDP ports readiness waits for (config ready_ports).</summary>
    public IReadOnlyList<int> ReadyUdpPorts { get; init; } = [];

    private bool ReadyPortsWritten => ReadyPorts.Count > 0 || ReadyUdpPorts.Count > 0;

    public IReadOnlyList<int> ProbePorts => ReadyPortsWritten ? ReadyPorts : Ports;

    public IReadOnlyList<int> ProbeUdpPorts => ReadyPortsWritten ? ReadyUdpPorts : UdpPorts;

    /// <summary>Destinations the guest may connect to ("host:port", config egress); the egress broker enforces it.</summary>
    public IReadOnlyList<string> Egress { get; init; } = [];

    /// <summary>The guest's port the egress broker opens to (only forwarded and passed when <see cref="Egress"/> is not empty).</summary>
    public const int EgressPort = Kernel.Net.App.EgressLine.DefaultPort;

    /// <summary>The setting that proves a connection to the guest's egress port comes from Summoner ("" when none).</summary>
    public string EgressToken => Environment.FirstOrDefault(e => e.Key == EgressTokenSetting).Value ?? "";

    public const string EgressTokenSetting = "egress_token";

    /// <summary>The TCP ports QEMU forwards to the guest: the service's, plus the broker's when it has egress.</summary>
    public IReadOnlyList<int> ForwardedPorts => Egress.Count > 0 ? [.. Ports, EgressPort] : Ports;

    /// <summary>Settings for the app ([service.env]); handed over through fw_cfg, never logged.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>
    /// A digest of everything a running guest was made from: image (path, size, modification time),
    /// ports, memory, vCPUs, command line, egress and settings (egress changes what the guest is
    /// forwarded and told, so a guest made before an egress change is not what a boot now makes). Equal digests mean a guest made earlier is
    /// what a boot now would make; the settings are only hashed, never stored.
    /// </summary>
    public string Fingerprint()
    {
        // The image as it was when this spec was made (ImageVersion): no second look at the file per boot.
        (long length, long ticks) = ImageVersion;
        string text = string.Join('\n', [Name, ImagePath, length >= 0 ? length.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-",
            length >= 0 ? ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-",
            // "+tunnel": a UDP service's guest made before the door's UDP tunnel (UDP forwards, no tunnel port) is not taken back.
            string.Join(',', Ports), string.Join(',', ProbePorts), "udp" + (UdpPorts.Count > 0 ? "+tunnel:" : ":") + string.Join(',', UdpPorts), string.Join(',', ProbeUdpPorts), MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            VirtualCpus.ToString(System.Globalization.CultureInfo.InvariantCulture), ExtraCommandLine, "egress:" + string.Join(',', Egress),
            .. Environment.Select(e => e.Key + "=" + e.Value)]);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>The address clients use whichever guest serves (loopback mode: the door's); null when clients reach the guest directly.</summary>
    public System.Net.IPAddress? PublicAddress { get; init; }

    /// <summary>
    /// What differs between this spec and <paramref name="next"/> (config keys, e.g. "memory",
    /// "env"); empty when they are the same. An image file rebuilt in place counts as "image".
    /// Settings' values are compared, never named.
    /// </summary>
    public IReadOnlyList<string> Differences(ServiceSpec next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var what = new List<string>();
        if (ImagePath != next.ImagePath || ImageVersion != next.ImageVersion) what.Add("image");
        if (!Ports.SequenceEqual(next.Ports) || !UdpPorts.SequenceEqual(next.UdpPorts)) what.Add("ports");
        if (!ProbePorts.SequenceEqual(next.ProbePorts) || !ProbeUdpPorts.SequenceEqual(next.ProbeUdpPorts)) what.Add("ready_ports");
        if (MemoryMiB != next.MemoryMiB) what.Add("memory");
        if (VirtualCpus != next.VirtualCpus) what.Add("vcpus");
        if (ExtraCommandLine != next.ExtraCommandLine) what.Add("command_line");
        if (!Environment.SequenceEqual(next.Environment)) what.Add("env");
        if (!Egress.SequenceEqual(next.Egress)) what.Add("egress");
        if (!DnsNames.SequenceEqual(next.DnsNames, StringComparer.OrdinalIgnoreCase)) what.Add("dns_names");
        if (!Equals(PublicAddress, next.PublicAddress)) what.Add("address");
        if (IdleTimeout != next.IdleTimeout) what.Add("idle_timeout");
        if (BootDeadline != next.BootDeadline) what.Add("boot_deadline");
        if (WarmPool != next.WarmPool || PoolMode != next.PoolMode) what.Add("warm_pool");
        return what;
    }

    /// <summary>The image file's length and modification time when this spec was made (a reload tells a rebuilt image by it).</summary>
    public (long Length, long WriteTicks) ImageVersion { get; init; } = ImageStamp(ImagePath);

    private static (long, long) ImageStamp(string path)
    {
        var image = new FileInfo(path);
        return image.Exists ? (image.Length, image.LastWriteTimeUtc.Ticks) : (-1, -1);
    }
}

/// <summary>How warm-pool members wait for a query.</summary>
public enum PoolMode
{
    /// <summary>Booted to readiness, then suspended: a query only resumes it (fastest).</summary>
    Booted,

    /// <summary>Created paused before boot: hides libvirt's create cost, the guest still boots.</summary>
    Created,
}

/// <summary>Engine-wide limits and behaviour.</summary>
public sealed record EngineOptions
{
    public required string StateDirectory { get; init; }
    /// <summary>Summons and pool preparations between create and ready-or-failed.</summary>
    public int MaxConcurrentBoots { get; init; } = 4;
    /// <summary>How many summons may wait for room under a cap at once.</summary>
    public int WaitingSummons { get; init; }
    /// <summary>How long a summon over a cap waits for room (the DNS answer deadline); zero refuses at once.</summary>
    public TimeSpan CapWait { get; init; }
    public int MaxRunningGuests { get; init; } = 64;
    public long MaxTotalMemoryMiB { get; init; } = 4096;
    public TimeSpan ReapInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>The TTL of service answers: a guest stays at least this long after the last answer
    /// naming it, because a client may connect with that answer until it expires.</summary>
    public TimeSpan AnswerTtl { get; init; }
    public TimeSpan CrashBackoffBase { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan CrashBackoffMax { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>This daemon's identity (kept in the state directory): guests created under it are taken
    /// back after a restart; null creates guests without ownership, and none is ever taken back.</summary>
    public string? InstanceId { get; init; }
    /// <summary>Per-client budget for queries that would start a boot; null budgets nobody.</summary>
    public ClientBudget? SummonBudget { get; init; }
    /// <summary>Prefix of every guest name this engine creates.</summary>
    public string GuestNamePrefix { get; init; } = "summoner-";
    /// <summary>Makes the readiness probe's sockets (bridge mode in a namespace needs them made there).</summary>
    public Func<System.Net.Sockets.AddressFamily, System.Net.Sockets.Socket>? ProbeSockets { get; init; }
    /// <summary>The engine's clock: idle reaping, boot deadlines, back-off, cap waits and drains read it
    /// (tests pass a virtual one). The readiness probe's socket retries run on real time: they wait for I/O.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The crash-loop back-off after <paramref name="failures"/> boots failed in a row: doubling from the base, capped.</summary>
    public TimeSpan Backoff(int failures)
    {
        double ms = CrashBackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        return TimeSpan.FromMilliseconds(Math.Min(ms, CrashBackoffMax.TotalMilliseconds));
    }
}

public enum SummonPhase { Create, Boot, Ready }

public enum SummonFailure { None, Deadline, Cap, BootFailed, Backoff, Stopping, ClientBudget, Removed }

/// <summary>What a summon produced: the address to answer with, or why there is none.</summary>
public sealed record SummonOutcome(System.Net.IPAddress? Address, SummonFailure Failure, string? Detail)
{
    public bool Succeeded => Address is not null;

    /// <summary>How the guest that answered is attached (set with <see cref="Address"/>): the door tunnels a
    /// loopback-style guest's datagrams over TCP (<see cref="Kernel.Net.App.UdpTunnelFrame"/>).</summary>
    public GuestNetwork? Network { get; init; }

    public static SummonOutcome Fail(SummonFailure failure, string detail) => new(null, failure, detail);
}
