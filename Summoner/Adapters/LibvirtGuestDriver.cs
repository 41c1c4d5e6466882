using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Summoner.Engine;
using Summoner.Libvirt;

using Summoner.Linux;

namespace Summoner.Adapters;

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
    // The guests of this run, by name, for libvirt's lifecycle events (which name a domain).
    private readonly ConcurrentDictionary<string, LibvirtGuest> _guests = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _maskedCapabilities;
    private readonly string? _pidDirectory;
    private readonly ProcessExitWatch? _exitWatch;
    private readonly string _consoleDirectory;
    // Set for a host that is not this machine: images and settings are shipped into this pool, the console is read over libvirt.
    private readonly ImagePool? _remotePool;
    // The nwfilter a remote bridge guest's NIC references (defined on the host at connect); null: unfiltered.
    private readonly string? _guestFilter;

    /// <param name="consoleDirectory">Where each guest's serial console (NAME.log) and its settings file go.</param>
    /// <param name="maskedCapabilities">QEMU capabilities each domain masks; <see cref="DomainSpec.CpuProbeMask"/>
    /// unless a test asks otherwise. Dropped for good, with one warning, once libvirt rejects them.</param>
    /// <param name="qemuPidDirectory">Where libvirt writes each QEMU's pid file (NAME.pid): with it, a
    /// guest's death is seen the moment its QEMU exits (<see cref="ProcessExitWatch"/>), not when libvirt
    /// reports it.</param>
    /// <param name="remotePool">For a host that is not this machine ([[host]] with a uri): nothing of a guest is a local
    /// file there, so its image and settings are uploaded into this storage pool on the host (<see cref="ImageStore"/>:
    /// once per content, checked by hash) and its console is read through libvirt (<see cref="DomainConsole"/>),
    /// copied into the local console file for <c>summoner logs</c>.</param>
    /// <param name="guestFilter">For a remote bridge host: the network filter (see <see cref="Egress.GuestNetworkFilter"/>)
    /// already defined there, which every guest's NIC references; null leaves its guests unfiltered.</param>
    public LibvirtGuestDriver(LibvirtConnection connection, Accelerator accelerator, ILogger log, string consoleDirectory, IReadOnlyList<string>? maskedCapabilities = null, string? qemuPidDirectory = null, ImagePool? remotePool = null, string? guestFilter = null)
    {
        _remotePool = remotePool;
        _guestFilter = guestFilter;
        _consoleDirectory = consoleDirectory ?? throw new ArgumentNullException(nameof(consoleDirectory));
        Directory.CreateDirectory(consoleDirectory);
        _pidDirectory = qemuPidDirectory;
        _exitWatch = qemuPidDirectory is null ? null : new ProcessExitWatch();
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _accelerator = accelerator;
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _maskedCapabilities = maskedCapabilities ?? DomainSpec.CpuProbeMask;
        _connection.DomainLifecycle += OnLifecycle;
    }

    /// <summary>The host's QEMU probe started by <see cref="StartWarmUp"/>; creates wait for it.</summary>
    private Task _warmUp = Task.CompletedTask;

    public Task WarmedUp => _warmUp;

    /// <summary>
    /// Has the host's libvirt probe its QEMU now, in the background: a libvirt that has not run this QEMU
    /// before (a new host or state directory, or QEMU upgraded) probes it on the first domain start, which
    /// took ~4 s of the first summon placed on a fresh daemon here (TCG). A create waits for the probe to finish;
    /// a failed probe is only logged, and the create then says what is wrong. The local driver then
    /// renders a sample domain (<see cref="RenderSample"/>).
    /// </summary>
    public void StartWarmUp()
    {
        _warmUp = Task.Run(async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await _connection.GetDomainCapabilitiesAsync(MachineKind.Microvm, _accelerator).ConfigureAwait(false);
                // Worth a line only when libvirt really probed (seconds); a cached answer takes milliseconds.
                _log.Log(clock.Elapsed > TimeSpan.FromMilliseconds(500) ? LogLevel.Information : LogLevel.Debug,
                    "libvirt {Uri}: QEMU probed in {Ms:F0} ms", _connection.Uri, clock.Elapsed.TotalMilliseconds);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A connection closed meanwhile (host down) lands here too: nothing waits on this but creates.
                _log.LogWarning("libvirt {Uri}: reading the domain capabilities failed ({Message}); the first create will probe QEMU", _connection.Uri, ex.Message);
            }
            if (_remotePool is null)
            {
                try
                {
                    RenderSample();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Creates wait for this task, so it must not fault; the first summon then
                    // renders its own domain, as every summon does, and only time is lost.
                    _log.LogWarning("libvirt: rendering a sample domain ahead of the first summon failed: {Message}", ex.Message);
                }
            }
        });
    }

    /// <summary>The console directory of a daemon whose state lives in <paramref name="stateDirectory"/>.</summary>
    public static string ConsoleDirectory(string stateDirectory) => Path.Combine(stateDirectory, "consoles");

    /// <summary>Where the console of <paramref name="guestName"/> is written under <paramref name="consoleDirectory"/> (the logs command reads it).</summary>
    public static string ConsoleFile(string consoleDirectory, string guestName) => Path.Combine(consoleDirectory, guestName + ".log");

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

    public async Task<IGuest> CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        await _warmUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_remotePool is not null) return await CreateRemoteAsync(launch, _remotePool, cancellationToken).ConfigureAwait(false);
        NicSpec nic = NicFor(launch.Network);
        string consolePath = ConsoleFile(_consoleDirectory, launch.GuestName);
        // A name is never reused within a run, but an earlier run's file may be there: readers start at the file's start.
        File.Delete(consolePath);
        string? settingsFile = WriteSettingsFile(launch, Path.ChangeExtension(consolePath, ".env"));
        DomainSpec spec = LocalSpec(launch, nic, consolePath, settingsFile);
        try
        {
            return await CreateDomainAsync(launch, spec, consolePath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // QEMU read the file when it started; the copy on disk would only outlive its purpose.
            if (settingsFile is not null) File.Delete(settingsFile);
        }
    }

    private DomainSpec LocalSpec(GuestLaunch launch, NicSpec nic, string consolePath, string? settingsFile) => new()
    {
        Name = launch.GuestName,
        KernelPath = launch.ImagePath,
        KernelCommandLine = launch.CommandLine,
        Serial = new SerialConsole.ToFile(consolePath),
        MemoryMiB = launch.MemoryMiB,
        VCpus = launch.VirtualCpus,
        Accelerator = _accelerator,
        Machine = MachineKind.Microvm,
        Nics = [nic],
        FirmwareFiles = settingsFile is null ? [] : [new FirmwareFile(SettingsName, settingsFile)],
        Metadata = GuestMetadata.Of(launch),
    };

    /// <summary>
    /// Renders a domain like a summon's once, off any summon: the XML writer's first use in the process
    /// (type loading, the first compile of the framework's generic code over ours) took 12-17 ms on
    /// the 2-core test machine, all of it in the first summon's answer otherwise (bench/README,
    /// "The first summon after serve starts").
    /// </summary>
    private void RenderSample()
    {
        var launch = new GuestLaunch("summoner-sample", "/sample.elf", "port=80", 64, 1, new LoopbackNetwork(System.Net.IPAddress.Loopback, [80]))
        {
            Ownership = new GuestOwnership("sample", "sample", "sample"),
        };
        _ = DomainXml.Render(LocalSpec(launch, NicFor(launch.Network), "/sample.log", null) with { CheckPathsHere = false, MaskedQemuCapabilities = MaskedCapabilities });
    }

    /// <summary>The guest's NIC: QEMU user networking with its TCP forwards, or a tap.</summary>
    internal static NicSpec NicFor(GuestNetwork network) =>
        network switch
        {
            // libslirp 4.7 (QEMU 7.2) drops every UDP datagram a guest sends under restrict=on (it
            // only serves DHCP and TFTP), replies to forwarded ports included: a UDP service's
            // datagrams come through the door over one forwarded TCP port instead (udp_tunnel,
            // Kernel.Net UdpTunnelFrame), so every guest keeps restrict=on and its egress holds.
            LoopbackNetwork l => new UserNic
            {
                Forwards = [.. l.Ports.Select(p => new PortForward(ForwardProtocol.Tcp, l.HostAddress, p, p)),
                    .. l.UdpPorts.Count > 0 ? [new PortForward(ForwardProtocol.Tcp, l.HostAddress, Kernel.Net.App.UdpTunnelFrame.DefaultPort, Kernel.Net.App.UdpTunnelFrame.DefaultPort)] : Array.Empty<PortForward>()],
                AllowOutbound = false,
            },
            BridgeNetwork b => new TapNic(b.TapName) { MacAddress = b.MacAddress },
            _ => throw new ArgumentException("unknown network kind " + network.GetType().Name, nameof(network)),
        };

    /// <summary>The fw_cfg name the guest reads its settings from (Kernel.Net GuestSettings.FileName).</summary>
    public const string SettingsName = "opt/summoner/env";

    /// <summary>The service's settings in a file only root can read, beside the console log: QEMU
    /// gets the path (-fw_cfg name=...,file=...), so the values never reach a command line.</summary>
    private static string? WriteSettingsFile(GuestLaunch launch, string path)
    {
        if (launch.Environment.Count == 0) return null;
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("guests run under QEMU on Linux only");
        File.Delete(path);
        using (var f = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            f.Write(Config.ServiceEnvironment.Encode(launch.Environment));
        return path;
    }

    private async Task<IGuest> CreateDomainAsync(GuestLaunch launch, DomainSpec spec, string consolePath, CancellationToken cancellationToken)
    {
        if (launch.Network is BridgeNetwork bridge)
        {
            // The tap must exist in libvirt's namespace when the domain is created; it moves into
            // the bridge's namespace while the guest is still paused (docs/platform.md, Networking).
            await BridgePlumbing.CreateTapAsync(bridge, cancellationToken).ConfigureAwait(false);
            LibvirtGuest? made = null;
            try
            {
                made = Track(await CreateDomainAsync(spec, startPaused: true, cancellationToken).ConfigureAwait(false), launch.GuestName, bridge, consolePath);
                await BridgePlumbing.AttachAsync(bridge, cancellationToken).ConfigureAwait(false);
                if (!launch.StartPaused) await made.Domain.ResumeAsync(cancellationToken).ConfigureAwait(false);
                return made;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A create that fails leaves nothing: the engine has no guest to destroy.
                if (made is not null) await made.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
                else await BridgePlumbing.RemoveTapAsync(bridge, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        return Track(await CreateDomainAsync(spec, launch.StartPaused, cancellationToken).ConfigureAwait(false), launch.GuestName, launch.Network, consolePath);
    }

    /// <summary>
    /// A guest on another host: its image and settings go through the host's storage pool, its serial
    /// console is a pty read over the connection, opened while the guest is still paused (a pty drops
    /// what nobody reads), and every line is kept in memory for readiness and in the local console file.
    /// </summary>
    private async Task<IGuest> CreateRemoteAsync(GuestLaunch launch, ImagePool pool, CancellationToken cancellationToken)
    {
        NicSpec nic = RemoteNicFor(launch.Network, _guestFilter);
        ImageVolume image = await ImageStore.EnsureAsync(_connection, launch.ImagePath, pool, cancellationToken).ConfigureAwait(false);
        if (image.Uploaded) _log.LogInformation("libvirt {Uri}: uploaded {Image} as {Volume}", _connection.Uri, launch.ImagePath, image.Name);
        string consolePath = ConsoleFile(_consoleDirectory, launch.GuestName);
        File.Delete(consolePath);
        FirmwareFile[] firmware = [];
        string? settingsFile = WriteSettingsFile(launch, Path.ChangeExtension(consolePath, ".env"));
        if (settingsFile is not null)
        {
            try
            {
                // Named by content hash like an image: the same settings are sent once per host.
                ImageVolume settings = await ImageStore.EnsureAsync(_connection, settingsFile, pool, cancellationToken).ConfigureAwait(false);
                firmware = [new FirmwareFile(SettingsName, settings.Path)];
            }
            finally
            {
                File.Delete(settingsFile);
            }
        }
        var spec = new DomainSpec
        {
            Name = launch.GuestName,
            KernelPath = image.Path,
            KernelCommandLine = launch.CommandLine,
            Serial = new SerialConsole.ToPty(),
            MemoryMiB = launch.MemoryMiB,
            VCpus = launch.VirtualCpus,
            Accelerator = _accelerator,
            Machine = MachineKind.Microvm,
            Nics = [nic],
            FirmwareFiles = firmware,
            Metadata = GuestMetadata.Of(launch),
            CheckPathsHere = false,
        };
        Domain domain = await CreateRemoteDomainAsync(spec, launch.Network.ServiceAddress, cancellationToken).ConfigureAwait(false);
        LibvirtGuest? made = null;
        try
        {
            made = Track(domain, launch.GuestName, launch.Network, consolePath);
            await made.AttachConsoleAsync(_connection, cancellationToken).ConfigureAwait(false);
            if (!launch.StartPaused) await domain.ResumeAsync(cancellationToken).ConfigureAwait(false);
            return made;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (made is not null) await made.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
            else { await DestroyIfRunningAsync(domain, CancellationToken.None).ConfigureAwait(false); domain.Dispose(); }
            throw;
        }
    }

    /// <summary>
    /// A remote guest's NIC. Loopback: QEMU user networking whose forwards are rebound to the guest's
    /// address there (see <see cref="ForwardStandIn"/>). Bridge: a tap libvirt makes on the bridge the
    /// operator made there, with the MAC the guest's address plan picked; the guest sets its own
    /// address from the kernel command line, as on this machine's bridge. <paramref name="filter"/> is the
    /// host's egress filter for bridge guests (slirp's restrict=on already confines a loopback guest).
    /// </summary>
    internal static NicSpec RemoteNicFor(GuestNetwork network, string? filter = null) => network switch
    {
        LoopbackNetwork loopback => NicFor(loopback with { HostAddress = ForwardStandIn }),
        RemoteBridgeNetwork bridge => new BridgeNic(bridge.Bridge) { MacAddress = bridge.MacAddress, Filter = filter },
        _ => throw new ArgumentException($"a remote host runs loopback or remote-bridge guests, not {network.GetType().Name} (a tap on this machine)", nameof(network)),
    };

    // DomainSpec allows forwards on this machine's loopback only (never a real interface here); a
    // remote host's forwards bind its address_range, so the domain is rendered with this stand-in
    // and its hostfwd rules are rebound to the guest's address on that host.
    private static readonly System.Net.IPAddress ForwardStandIn = System.Net.IPAddress.Parse("127.0.0.1");

    private async Task<Domain> CreateRemoteDomainAsync(DomainSpec spec, System.Net.IPAddress bind, CancellationToken cancellationToken)
    {
        string Render(IReadOnlyList<string> mask) => DomainXml.Render(spec with { MaskedQemuCapabilities = mask })
            .Replace($"hostfwd=tcp:{ForwardStandIn}:", $"hostfwd=tcp:{bind}:", StringComparison.Ordinal)
            .Replace($"hostfwd=udp:{ForwardStandIn}:", $"hostfwd=udp:{bind}:", StringComparison.Ordinal);
        IReadOnlyList<string> mask = MaskedCapabilities;
        try
        {
            return await _connection.CreateDomainAsync(Render(mask), startPaused: true, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex) when (IsMaskRejection(ex, mask))
        {
            if (ReferenceEquals(Interlocked.CompareExchange(ref _maskedCapabilities, [], mask), mask))
                _log.LogWarning("libvirt {Uri} rejected the QEMU capability mask {Capabilities} ({Message}): creating domains without it from now on", _connection.Uri, string.Join(',', mask), ex.Message);
            return await _connection.CreateDomainAsync(Render([]), startPaused: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>False once the connection is closed (a remote daemon gone, or keepalive unanswered).</summary>
    public bool IsAlive => _connection.IsAlive;

    private LibvirtGuest Track(Domain domain, string guestName, GuestNetwork network, string consolePath)
    {
        var guest = new LibvirtGuest(this, domain, guestName, network, consolePath);
        _guests[guestName] = guest;
        WatchExit(guest);
        return guest;
    }

    private void WatchExit(LibvirtGuest guest)
    {
        if (_exitWatch is null) return;
        int pid;
        try
        {
            if (!int.TryParse(File.ReadAllText(Path.Combine(_pidDirectory!, guest.Name + ".pid")).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pid)) return;
        }
        catch (IOException) { return; } // no pid file: libvirt's lifecycle event still reports the exit
        guest.Pidfd = _exitWatch.Watch(pid, () => GuestGone(guest.Name, GuestExitReason.Crashed, "its QEMU process exited"));
    }

    /// <summary>By name: a guest of this run destroys as its <see cref="IGuest"/> would; any other is looked up in libvirt.</summary>
    public async Task DestroyAsync(string guestName, CancellationToken cancellationToken)
    {
        if (_guests.TryGetValue(guestName, out LibvirtGuest? guest))
        {
            await guest.DestroyAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        using Domain? found = _connection.FindDomain(guestName);
        if (found is not null) await DestroyIfRunningAsync(found, cancellationToken).ConfigureAwait(false);
    }

    private async Task DestroyAsync(LibvirtGuest guest, CancellationToken cancellationToken)
    {
        // Out of the map first: the lifecycle event and the pid watch of this destroy find nothing to report.
        if (!_guests.TryRemove(new KeyValuePair<string, LibvirtGuest>(guest.Name, guest))) return;
        try
        {
            await DestroyIfRunningAsync(guest.Domain, cancellationToken).ConfigureAwait(false);
            if (guest.Network is BridgeNetwork b) await BridgePlumbing.RemoveTapAsync(b, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            guest.Gone(GuestExitReason.Destroyed);
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

    public Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken)
    {
        var guests = new List<RunningGuest>();
        foreach (Domain d in _connection.ListDomains())
        {
            using (d)
            {
                DomainState state = d.GetStatus().State;
                if (state is DomainState.ShutOff or DomainState.Crashed) continue;
                string xml = d.GetXml();
                var (ownership, network) = GuestMetadata.Read(xml);
                guests.Add(new RunningGuest(d.Name, ownership, network, Paused: state == DomainState.Paused, GuestMetadata.MemoryMiB(xml)));
            }
        }
        return Task.FromResult<IReadOnlyList<RunningGuest>>(guests);
    }

    public IGuest Adopt(RunningGuest guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        if (guest.Network is null) throw new ArgumentException($"{guest.GuestName} has no network recorded: it cannot be taken back", nameof(guest));
        if (_guests.TryGetValue(guest.GuestName, out LibvirtGuest? known)) return known;
        Domain domain = _connection.FindDomain(guest.GuestName) ?? throw new InvalidOperationException($"no guest named {guest.GuestName}");
        // Its console file is the one the earlier run made it write to, in the same directory.
        LibvirtGuest adopted = Track(domain, guest.GuestName, guest.Network, ConsoleFile(_consoleDirectory, guest.GuestName));
        // A remote guest's console is its pty: read it again from here on (force takes it from the dead run).
        if (_remotePool is not null) adopted.AttachConsoleAsync(_connection, CancellationToken.None).GetAwaiter().GetResult();
        return adopted;
    }

    private void OnLifecycle(object? sender, DomainLifecycleEvent e)
    {
        if (e.Kind is not (DomainEventKind.Stopped or DomainEventKind.Crashed)) return;
        var reason = e.IsCrash ? GuestExitReason.Crashed : e.Detail == DomainLifecycleEvent.StoppedShutdown ? GuestExitReason.Shutdown : GuestExitReason.Unknown;
        GuestGone(e.DomainName, reason, e.ToString());
    }

    /// <summary>The first sign of a guest's death (its QEMU's exit, or libvirt's event) reports it; later ones,
    /// and those of a destroy we asked for, find nothing.</summary>
    private void GuestGone(string guestName, GuestExitReason reason, string sign)
    {
        if (!_guests.TryRemove(guestName, out LibvirtGuest? guest)) return;
        if (guest.Network is BridgeNetwork b) _ = BridgePlumbing.RemoveTapAsync(b, CancellationToken.None);
        _log.LogInformation("libvirt: {Guest} stopped ({Sign})", guestName, sign);
        guest.Gone(reason);
    }

    public async ValueTask DisposeAsync()
    {
        _connection.DomainLifecycle -= OnLifecycle;
        // A dead connection destroys nothing (the host's return does): its guests only end here.
        bool alive = _connection.IsAlive;
        foreach (LibvirtGuest guest in _guests.Values.ToList())
        {
            if (alive) await DestroyAsync(guest, CancellationToken.None).ConfigureAwait(false);
            else if (_guests.TryRemove(guest.Name, out _)) guest.Gone(GuestExitReason.Unknown);
        }
        _exitWatch?.Dispose();
        // The remote driver owns its connection (one per host); the local one is serve's.
        if (_remotePool is not null) _connection.Dispose();
    }

    /// <summary>One domain of this run: its console is the file QEMU writes, its exit the first sign of it.</summary>
    private sealed class LibvirtGuest(LibvirtGuestDriver driver, Domain domain, string name, GuestNetwork network, string consolePath) : IGuest
    {
        private readonly TaskCompletionSource<GuestExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Domain Domain { get; } = domain;

        public string Name { get; } = name;

        public GuestNetwork Network { get; } = network;

        /// <summary>Set once, right after create; never disposed here (the watch owns it).</summary>
        public Microsoft.Win32.SafeHandles.SafeFileHandle? Pidfd { get; set; }

        public Task<GuestExit> Exited => _exited.Task;

        public bool HasExited => _exited.Task.IsCompleted || (Pidfd is { } pidfd && ProcessExitWatch.HasExited(pidfd));

        // Set on a remote host's guest: the lines its console stream brought.
        private ConsoleLines? _lines;
        private DomainConsole? _console;

        public IConsoleReader ReadConsole(bool fromStart) => _lines is { } lines ? lines.Read(fromStart) : new SerialFileReader(consolePath, fromStart);

        /// <summary>Opens the console stream and copies every line into memory and the local console file until it ends.</summary>
        public async Task AttachConsoleAsync(LibvirtConnection connection, CancellationToken cancellationToken)
        {
            _lines = new ConsoleLines();
            _console = await connection.OpenConsoleAsync(Domain, force: true, cancellationToken).ConfigureAwait(false);
            DomainConsole console = _console;
            ConsoleLines lines = _lines;
            _ = Task.Run(async () =>
            {
                try
                {
                    await using var file = new StreamWriter(consolePath, append: true) { AutoFlush = true };
                    while (await console.ReadLineAsync().ConfigureAwait(false) is { } line)
                    {
                        lines.AppendLine(line);
                        await file.WriteLineAsync(line).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is LibvirtException or IOException or ObjectDisposedException)
                {
                    lines.AppendLine("[summoner: console stream ended: " + ex.Message + "]");
                }
            }, CancellationToken.None);
        }

        public Task SuspendAsync(CancellationToken cancellationToken) => Domain.SuspendAsync(cancellationToken);

        public Task ResumeAsync(CancellationToken cancellationToken) => Domain.ResumeAsync(cancellationToken);

        public Task DestroyAsync(CancellationToken cancellationToken) => driver.DestroyAsync(this, cancellationToken);

        public Task<GuestCounters?> GetCountersAsync(CancellationToken cancellationToken)
        {
            switch (Network)
            {
                case BridgeNetwork b:
                    // libvirt reads counters only in its own namespace; a tap moved out needs reading there.
                    InterfaceStatistics s = b.Namespace is null ? Domain.GetInterfaceStatistics(b.TapName) : TapStatistics.ReadInNamespace(b.Namespace, b.TapName);
                    return Task.FromResult<GuestCounters?>(new GuestCounters(s.RxBytes, s.TxBytes));
                case RemoteBridgeNetwork r:
                    // libvirt named the tap on that host; it finds the interface by the MAC Summoner gave it.
                    InterfaceStatistics remote = Domain.GetInterfaceStatistics(r.MacAddress);
                    return Task.FromResult<GuestCounters?>(new GuestCounters(remote.RxBytes, remote.TxBytes));
                // Loopback mode: the door sees every connection and reports activity itself.
                default:
                    return Task.FromResult<GuestCounters?>(null);
            }
        }

        /// <summary>Reports the exit once; the domain handle goes with it.</summary>
        public void Gone(GuestExitReason reason)
        {
            if (!_exited.TrySetResult(new GuestExit(Name, reason))) return;
            _console?.Dispose();
            Domain.Dispose();
        }
    }
}
