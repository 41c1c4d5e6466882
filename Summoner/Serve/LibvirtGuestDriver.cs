using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Summoner.Engine;
using Summoner.Libvirt;

namespace Summoner.Serve;

/// <summary>
/// The engine's hypervisor port over our libvirt binding: one transient microvm domain per guest,
/// its serial console in a file, its NIC as QEMU user networking (loopback mode) or a tap on a
/// bridge (bridge mode, see <see cref="BridgePlumbing"/>).
/// </summary>
public sealed class LibvirtGuestDriver : IGuestDriver
{
    private readonly LibvirtConnection _connection;
    private readonly Accelerator _accelerator;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, (Domain Domain, GuestLaunch Launch)> _guests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _destroying = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _maskedCapabilities;
    private readonly string? _pidDirectory;
    private readonly ProcessExitWatch? _exitWatch;
    private readonly ConcurrentDictionary<string, Microsoft.Win32.SafeHandles.SafeFileHandle> _pidfds = new(StringComparer.Ordinal);

    /// <param name="maskedCapabilities">QEMU capabilities each domain masks; <see cref="DomainSpec.CpuProbeMask"/>
    /// unless a test asks otherwise. Dropped for good, with one warning, once libvirt rejects them.</param>
    /// <param name="qemuPidDirectory">Where libvirt writes each QEMU's pid file (NAME.pid): with it, a
    /// guest's death is seen the moment its QEMU exits (<see cref="ProcessExitWatch"/>), not when libvirt
    /// reports it.</param>
    public LibvirtGuestDriver(LibvirtConnection connection, Accelerator accelerator, ILogger log, IReadOnlyList<string>? maskedCapabilities = null, string? qemuPidDirectory = null)
    {
        _pidDirectory = qemuPidDirectory;
        _exitWatch = qemuPidDirectory is null ? null : new ProcessExitWatch();
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _accelerator = accelerator;
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _maskedCapabilities = maskedCapabilities ?? DomainSpec.CpuProbeMask;
        _connection.DomainLifecycle += OnLifecycle;
    }

    public event Action<GuestExit>? GuestExited;

    /// <summary>The capabilities domains are created with now (empty after a fallback).</summary>
    public IReadOnlyList<string> MaskedCapabilities => Volatile.Read(ref _maskedCapabilities);

    /// <summary>Says at start-up what the mask is and why, since libvirt calls it a testing knob.</summary>
    public void LogCapabilityMask()
    {
        if (MaskedCapabilities.Count == 0)
        {
            _log.LogInformation("libvirt: no QEMU capability masked; every create reads the guest CPU back feature by feature (~0.5 s on TCG)");
            return;
        }
        _log.LogInformation("libvirt: masking QEMU capability {Capabilities} in every domain: libvirt 9.0 otherwise reads the guest CPU back with one QMP command per feature (~400), " +
            "measured at ~0.5 s of each create on TCG; the guest's CPU is unchanged (tested). libvirt documents the mask as a testing knob: if it rejects it, creates go on without it (slower) and this log says so once",
            string.Join(',', MaskedCapabilities));
    }

    private async Task<Domain> CreateDomainAsync(DomainSpec spec, bool startPaused, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> mask = MaskedCapabilities;
        try
        {
            return await _connection.CreateDomainAsync(spec with { MaskedQemuCapabilities = mask }, startPaused, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex) when (IsMaskRejection(ex, mask))
        {
            // Another libvirt version that no longer knows the name fails every start loudly;
            // the guest still runs without the mask, only its create is slower.
            if (ReferenceEquals(Interlocked.CompareExchange(ref _maskedCapabilities, [], mask), mask))
                _log.LogWarning("libvirt rejected the QEMU capability mask {Capabilities} ({Message}): creating domains without it from now on; cold starts will be slower", string.Join(',', mask), ex.Message);
            return await _connection.CreateDomainAsync(spec with { MaskedQemuCapabilities = [] }, startPaused, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>libvirt 9.0 says "invalid qemu namespace capability 'NAME'"; match on the name, not the wording.</summary>
    internal static bool IsMaskRejection(LibvirtException ex, IReadOnlyList<string> mask) =>
        mask.Count > 0 && ex.Message.Contains("capabilit", StringComparison.OrdinalIgnoreCase)
        && mask.Any(c => ex.Message.Contains("'" + c + "'", StringComparison.Ordinal));

    public async Task CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        NicSpec nic = NicFor(launch.Network);
        string? settingsFile = WriteSettingsFile(launch);
        var spec = new DomainSpec
        {
            Name = launch.GuestName,
            KernelPath = launch.ImagePath,
            KernelCommandLine = launch.CommandLine,
            Serial = new SerialConsole.ToFile(launch.ConsolePath),
            MemoryMiB = launch.MemoryMiB,
            VCpus = launch.VirtualCpus,
            Accelerator = _accelerator,
            Machine = MachineKind.Microvm,
            Nics = [nic],
            FirmwareFiles = settingsFile is null ? [] : [new FirmwareFile(SettingsName, settingsFile)],
            Metadata = GuestMetadata.Of(launch),
        };
        try
        {
            await CreateDomainAsync(launch, spec, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // QEMU read the file when it started; the copy on disk would only outlive its purpose.
            if (settingsFile is not null) File.Delete(settingsFile);
        }
    }

    /// <summary>The guest's NIC: QEMU user networking with its TCP and UDP forwards, or a tap.</summary>
    internal static NicSpec NicFor(GuestNetwork network) =>
        network switch
        {
            LoopbackNetwork l => new UserNic
            {
                Forwards = [.. l.Ports.Select(p => new PortForward(ForwardProtocol.Tcp, l.HostAddress, p, p)),
                    .. l.UdpPorts.Select(p => new PortForward(ForwardProtocol.Udp, l.HostAddress, p, p))],
                // libslirp 4.7 (QEMU 7.2) drops every UDP datagram a guest sends under restrict=on
                // (it only serves DHCP and TFTP), replies to forwarded ports included: a UDP
                // service's guest needs restrict=off, which also lets it open connections out.
                AllowOutbound = l.UdpPorts.Count > 0,
            },
            BridgeNetwork b => new TapNic(b.TapName) { MacAddress = b.MacAddress },
            _ => throw new ArgumentException("unknown network kind " + network.GetType().Name, nameof(network)),
        };

    /// <summary>The fw_cfg name the guest reads its settings from (Kernel.Net GuestSettings.FileName).</summary>
    public const string SettingsName = "opt/summoner/env";

    /// <summary>The service's settings in a file only root can read, beside the console log: QEMU
    /// gets the path (-fw_cfg name=...,file=...), so the values never reach a command line.</summary>
    private static string? WriteSettingsFile(GuestLaunch launch)
    {
        if (launch.Environment.Count == 0) return null;
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("guests run under QEMU on Linux only");
        string path = Path.ChangeExtension(launch.ConsolePath, ".env");
        File.Delete(path);
        using (var f = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            f.Write(Config.ServiceEnvironment.Encode(launch.Environment));
        return path;
    }

    private async Task CreateDomainAsync(GuestLaunch launch, DomainSpec spec, CancellationToken cancellationToken)
    {
        if (launch.Network is BridgeNetwork bridge)
        {
            // The tap must exist in libvirt's namespace when the domain is created; it moves into
            // the bridge's namespace while the guest is still paused (docs/platform.md, Networking).
            await BridgePlumbing.CreateTapAsync(bridge, cancellationToken).ConfigureAwait(false);
            Domain paused = await CreateDomainAsync(spec, startPaused: true, cancellationToken).ConfigureAwait(false);
            _guests[launch.GuestName] = (paused, launch);
            await BridgePlumbing.AttachAsync(bridge, cancellationToken).ConfigureAwait(false);
            WatchExit(launch.GuestName);
            if (!launch.StartPaused) await paused.ResumeAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        Domain domain = await CreateDomainAsync(spec, launch.StartPaused, cancellationToken).ConfigureAwait(false);
        _guests[launch.GuestName] = (domain, launch);
        WatchExit(launch.GuestName);
    }

    private void WatchExit(string guestName)
    {
        if (_exitWatch is null) return;
        int pid;
        try
        {
            if (!int.TryParse(File.ReadAllText(Path.Combine(_pidDirectory!, guestName + ".pid")).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pid)) return;
        }
        catch (IOException) { return; } // no pid file: libvirt's lifecycle event still reports the exit
        var pidfd = _exitWatch.Watch(pid, () => GuestGone(guestName, GuestExitReason.Crashed, "its QEMU process exited"));
        if (pidfd is not null) _pidfds[guestName] = pidfd;
    }

    public bool HasExited(string guestName) =>
        _pidfds.TryGetValue(guestName, out var pidfd) && ProcessExitWatch.HasExited(pidfd);

    public async Task DestroyAsync(string guestName, CancellationToken cancellationToken)
    {
        _destroying[guestName] = true;
        _pidfds.TryRemove(guestName, out _);
        try
        {
            if (_guests.TryRemove(guestName, out var guest))
            {
                using Domain d = guest.Domain;
                await DestroyIfRunningAsync(d, cancellationToken).ConfigureAwait(false);
                if (guest.Launch.Network is BridgeNetwork b) await BridgePlumbing.RemoveTapAsync(b, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            // Not ours in this run (a leftover of an earlier run): find it by name.
            using Domain? found = _connection.FindDomain(guestName);
            if (found is not null) await DestroyIfRunningAsync(found, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _destroying.TryRemove(guestName, out _);
        }
    }

    private static async Task DestroyIfRunningAsync(Domain domain, CancellationToken cancellationToken)
    {
        try
        {
            await domain.DestroyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex) when (ex.Code == 42 /* VIR_ERR_NO_DOMAIN */ || ex.Code == 55 /* VIR_ERR_OPERATION_INVALID: not running */)
        {
            // Already gone: that is what we wanted.
        }
    }

    public Task SuspendAsync(string guestName, CancellationToken cancellationToken) =>
        Get(guestName).SuspendAsync(cancellationToken);

    public Task ResumeAsync(string guestName, CancellationToken cancellationToken) =>
        Get(guestName).ResumeAsync(cancellationToken);

    private Domain Get(string guestName) =>
        _guests.TryGetValue(guestName, out var g) ? g.Domain : throw new InvalidOperationException($"no guest named {guestName}");

    public Task<GuestCounters?> GetCountersAsync(string guestName, CancellationToken cancellationToken)
    {
        if (!_guests.TryGetValue(guestName, out var g)) return Task.FromResult<GuestCounters?>(null);
        switch (g.Launch.Network)
        {
            case BridgeNetwork b:
                // libvirt reads counters only in its own namespace; a tap moved out needs reading there.
                InterfaceStatistics s = b.Namespace is null ? g.Domain.GetInterfaceStatistics(b.TapName) : TapStatistics.ReadInNamespace(b.Namespace, b.TapName);
                return Task.FromResult<GuestCounters?>(new GuestCounters(s.RxBytes, s.TxBytes));
            // Loopback mode: the door sees every connection and reports activity itself.
            default:
                return Task.FromResult<GuestCounters?>(null);
        }
    }

    public Task<IReadOnlyList<string>> ListGuestsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Domain> domains = _connection.ListDomains();
        string[] names = [.. domains.Select(d => d.Name)];
        foreach (Domain d in domains) d.Dispose();
        return Task.FromResult<IReadOnlyList<string>>(names);
    }

    public Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken)
    {
        var guests = new List<RunningGuest>();
        foreach (Domain d in _connection.ListDomains())
        {
            using (d)
            {
                DomainState state = d.GetStatus().State;
                if (state is DomainState.ShutOff or DomainState.Crashed) continue;
                var (ownership, network) = GuestMetadata.Read(d.GetXml());
                guests.Add(new RunningGuest(d.Name, ownership, network, Paused: state == DomainState.Paused));
            }
        }
        return Task.FromResult<IReadOnlyList<RunningGuest>>(guests);
    }

    public void Adopt(RunningGuest guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        Domain domain = _connection.FindDomain(guest.GuestName) ?? throw new InvalidOperationException($"no guest named {guest.GuestName}");
        // Only the name and network of the launch are used once a guest runs.
        var launch = new GuestLaunch(guest.GuestName, "", "", 0, 0, "", guest.Network!) { Ownership = guest.Ownership };
        if (!_guests.TryAdd(guest.GuestName, (domain, launch))) domain.Dispose();
        else WatchExit(guest.GuestName);
    }

    private void OnLifecycle(object? sender, DomainLifecycleEvent e)
    {
        if (e.Kind is not (DomainEventKind.Stopped or DomainEventKind.Crashed)) return;
        var reason = e.IsCrash ? GuestExitReason.Crashed : e.Detail == DomainLifecycleEvent.StoppedShutdown ? GuestExitReason.Shutdown : GuestExitReason.Unknown;
        GuestGone(e.DomainName, reason, e.ToString());
    }

    /// <summary>The first sign of a guest's death (its QEMU's exit, or libvirt's event) reports it; later ones find nothing.</summary>
    private void GuestGone(string guestName, GuestExitReason reason, string sign)
    {
        if (_destroying.ContainsKey(guestName)) return;
        if (!_guests.TryRemove(guestName, out var guest)) return;
        guest.Domain.Dispose();
        if (guest.Launch.Network is BridgeNetwork b) _ = BridgePlumbing.RemoveTapAsync(b, CancellationToken.None);
        _log.LogInformation("libvirt: {Guest} stopped ({Sign})", guestName, sign);
        GuestExited?.Invoke(new GuestExit(guestName, reason));
        // Only now: until the engine has withdrawn the guest, HasExited must still say it is dead.
        _pidfds.TryRemove(guestName, out _);
    }

    public async ValueTask DisposeAsync()
    {
        _connection.DomainLifecycle -= OnLifecycle;
        foreach (string name in _guests.Keys.ToList())
            await DestroyAsync(name, CancellationToken.None).ConfigureAwait(false);
        _exitWatch?.Dispose();
    }
}
