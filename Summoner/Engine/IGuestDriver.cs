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

/// <summary>
/// A guest on another host's Linux bridge, which the operator made there with <see cref="Gateway"/> on
/// it and the subnet routed to that host: libvirt makes and attaches the tap (Summoner runs no command
/// on that host), and the guest owns <see cref="GuestAddress"/>, reached over the route.
/// </summary>
public sealed record RemoteBridgeNetwork(string Bridge, IPAddress GuestAddress, int PrefixLength, IPAddress Gateway, string MacAddress) : GuestNetwork
{
    public override IPAddress ServiceAddress => GuestAddress;
}

/// <summary>Everything needed to start one guest; the driver turns it into a hypervisor domain
/// (and decides where its console goes).</summary>
public sealed record GuestLaunch(
    string GuestName,
    string ImagePath,
    string CommandLine,
    int MemoryMiB,
    int VirtualCpus,
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
/// <param name="MemoryMiB">Its memory as the hypervisor reports it (0: not known), so a guest taken back after a
/// restart counts against its host's guest_memory cap like one placed there.</param>
public sealed record RunningGuest(string GuestName, GuestOwnership? Ownership, GuestNetwork? Network, bool Paused, int MemoryMiB = 0);

/// <summary>Traffic seen so far; <see cref="OpenConnections"/> counts as activity by itself.</summary>
public sealed record GuestCounters(long RxBytes, long TxBytes, int OpenConnections = 0)
{
    public long Total => RxBytes + TxBytes;
}

/// <summary>How a guest stopped: on its own (<see cref="Shutdown"/>, <see cref="Crashed"/>), or because
/// someone destroyed it (<see cref="Destroyed"/>: this engine, through <see cref="IGuest.DestroyAsync"/>).</summary>
public enum GuestExitReason { Shutdown, Crashed, Destroyed, Unknown }

public sealed record GuestExit(string GuestName, GuestExitReason Reason);

/// <summary>
/// One guest the driver runs, created or adopted: the engine holds this object, never a name it
/// would have to look up again. Its console, its lifecycle and its activity all come from here.
/// </summary>
public interface IGuest
{
    string Name { get; }

    /// <summary>How it is attached; <see cref="GuestNetwork.ServiceAddress"/> is what clients reach.</summary>
    GuestNetwork Network { get; }

    /// <summary>
    /// Starts reading the serial console line by line: from the guest's first line
    /// (<paramref name="fromStart"/>), or from the lines printed after this call. Readers are
    /// independent; each is read by one caller at a time.
    /// </summary>
    IConsoleReader ReadConsole(bool fromStart);

    Task SuspendAsync(CancellationToken cancellationToken);

    Task ResumeAsync(CancellationToken cancellationToken);

    /// <summary>Destroys the guest (a second call, or one after it exited, does nothing); <see cref="Exited"/>
    /// then completes with <see cref="GuestExitReason.Destroyed"/> unless it had already completed.</summary>
    Task DestroyAsync(CancellationToken cancellationToken);

    /// <summary>Traffic seen so far, or null when the driver cannot see it (loopback mode: the door reports activity).</summary>
    Task<GuestCounters?> GetCountersAsync(CancellationToken cancellationToken);

    /// <summary>Completes (never faults) when the guest stopped, however it stopped. Continuations run off the driver's threads.</summary>
    Task<GuestExit> Exited { get; }

    /// <summary>
    /// Asks, without waiting, whether the guest's process is already dead (checked before each
    /// answer that names it), which may be before <see cref="Exited"/> completes; stays true after.
    /// </summary>
    bool HasExited { get; }
}

/// <summary>
/// What the summon engine needs from a hypervisor. The libvirt adapter implements it; the engine
/// knows nothing of XML or P/Invoke (Firecracker-style separation).
/// </summary>
public interface IGuestDriver : IAsyncDisposable
{
    /// <summary>Creates and starts (or starts paused) a transient guest. A create that fails leaves no guest behind.</summary>
    Task<IGuest> CreateAsync(GuestLaunch launch, CancellationToken cancellationToken);

    /// <summary>Every guest the hypervisor connection runs, with the ownership stored at create (none when
    /// the driver cannot store it, or another program made the guest).</summary>
    Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken);

    /// <summary>Takes a running guest of an earlier run of this daemon under management (console,
    /// counters, destroy, exit), as if this run had created it.</summary>
    IGuest Adopt(RunningGuest guest);

    /// <summary>Destroys a guest no <see cref="IGuest"/> of this run stands for (a leftover of an earlier run, or one
    /// whose create was abandoned and never returned), by name; does nothing when none runs.</summary>
    Task DestroyAsync(string guestName, CancellationToken cancellationToken);

    /// <summary>False once the hypervisor connection is lost (a remote host that stopped answering);
    /// asked without waiting, often (<see cref="HostSet"/>'s health check).</summary>
    bool IsAlive => true;

    /// <summary>Completes when the first create will not pay for a one-time preparation of the hypervisor
    /// (libvirt probing a QEMU it has not run before); it never fails. <see cref="HostSet"/> places
    /// nothing on a host before this, for a bounded time.</summary>
    Task WarmedUp => Task.CompletedTask;
}
