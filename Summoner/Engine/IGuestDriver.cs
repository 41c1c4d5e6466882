using System.Net;

namespace Summoner.Engine;

/// <summary>How a guest's network is attached; the engine only needs the address clients use.</summary>
public abstract record GuestNetwork
{
    /// <summary>The address the DNS answer names and the readiness probe connects to.</summary>
    public abstract IPAddress ServiceAddress { get; }
}

/// <summary>QEMU user networking: guest ports forwarded to a per-service loopback address
/// (<see cref="Ports"/> TCP, <see cref="UdpPorts"/> UDP).</summary>
public sealed record LoopbackNetwork(IPAddress HostAddress, IReadOnlyList<int> Ports) : GuestNetwork
{
    public IReadOnlyList<int> UdpPorts { get; init; } = [];

    public override IPAddress ServiceAddress => HostAddress;
}

/// <summary>A tap on a Linux bridge; the guest owns <see cref="GuestAddress"/> on the bridge's subnet.</summary>
public sealed record BridgeNetwork(string Bridge, string? Namespace, IPAddress GuestAddress, int PrefixLength, IPAddress Gateway, string MacAddress, string TapName) : GuestNetwork
{
    public override IPAddress ServiceAddress => GuestAddress;
}

/// <summary>Everything needed to start one guest; the driver turns it into a hypervisor domain.</summary>
public sealed record GuestLaunch(
    string GuestName,
    string ImagePath,
    string CommandLine,
    int MemoryMiB,
    int VirtualCpus,
    string ConsolePath,
    GuestNetwork Network,
    bool StartPaused = false)
{
    /// <summary>The app's settings; the driver passes them out of band (fw_cfg), not on <see cref="CommandLine"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>Who made the guest; the driver stores it with the guest so a restarted daemon finds its own.</summary>
    public GuestOwnership? Ownership { get; init; }
}

/// <param name="InstanceId">The daemon's identity, kept in its state directory across restarts.</param>
/// <param name="Fingerprint">Of the service's definition (<see cref="ServiceSpec.Fingerprint"/>): a guest
/// of a changed definition is not taken back.</param>
public sealed record GuestOwnership(string InstanceId, string Service, string Fingerprint);

/// <summary>A guest the hypervisor runs, with what the driver could read back of its ownership and network.</summary>
public sealed record RunningGuest(string GuestName, GuestOwnership? Ownership, GuestNetwork? Network, bool Paused);

/// <summary>Traffic seen so far; <see cref="OpenConnections"/> counts as activity by itself.</summary>
public sealed record GuestCounters(long RxBytes, long TxBytes, int OpenConnections = 0)
{
    public long Total => RxBytes + TxBytes;
}

public enum GuestExitReason { Shutdown, Crashed, Destroyed, Unknown }

public sealed record GuestExit(string GuestName, GuestExitReason Reason);

/// <summary>
/// What the summon engine needs from a hypervisor. The libvirt adapter implements it; the engine
/// knows nothing of XML or P/Invoke (Firecracker-style separation).
/// </summary>
public interface IGuestDriver : IAsyncDisposable
{
    /// <summary>Creates and starts (or starts paused) a transient guest.</summary>
    Task CreateAsync(GuestLaunch launch, CancellationToken cancellationToken);

    Task DestroyAsync(string guestName, CancellationToken cancellationToken);

    Task SuspendAsync(string guestName, CancellationToken cancellationToken);

    Task ResumeAsync(string guestName, CancellationToken cancellationToken);

    /// <summary>Bytes the guest's NIC moved so far, or null when the guest is gone.</summary>
    Task<GuestCounters?> GetCountersAsync(string guestName, CancellationToken cancellationToken);

    /// <summary>Names of guests this driver's hypervisor connection currently runs.</summary>
    Task<IReadOnlyList<string>> ListGuestsAsync(CancellationToken cancellationToken);

    /// <summary>Every guest the hypervisor connection runs, with the ownership stored at create (none when
    /// the driver cannot store it, or another program made the guest).</summary>
    Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken);

    /// <summary>Takes a running guest of an earlier run of this daemon under management (counters,
    /// destroy, exit events), as if this run had created it.</summary>
    void Adopt(RunningGuest guest);

    /// <summary>
    /// Asks, without waiting, whether the guest's process is already dead (checked before each
    /// answer that names it), which may be before <see cref="GuestExited"/> reports it.
    /// </summary>
    bool HasExited(string guestName);

    /// <summary>Raised (on any thread) when a guest stops without the engine asking.</summary>
    event Action<GuestExit>? GuestExited;
}
