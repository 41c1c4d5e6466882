using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>
/// A connection to a libvirt hypervisor driver: <c>qemu:///embed?root=DIR</c> (in-process, no
/// daemon), <c>qemu:///system</c>, or a remote URI (<c>qemu+ssh://host/system</c>, <c>qemu+tcp://...</c>).
/// </summary>
/// <remarks>
/// Thread-safety: every member may be called from any thread concurrently. libvirt has allowed a
/// virConnectPtr to be shared between threads since 0.6.0; its error records are thread-local,
/// which is why each call and its error read happen on one thread without an await in between.
/// Lifecycle events arrive on libvirt's event-loop thread and are handed to a channel at once;
/// <see cref="DomainLifecycle"/> handlers and <see cref="WatchLifecycleAsync"/> readers run on a
/// separate dispatcher task, so a slow handler never stalls libvirt.
/// </remarks>
public sealed class LibvirtConnection : IDisposable
{
    private readonly ConnectHandle handle;
    private readonly Channel<DomainLifecycleEvent> inbox = Channel.CreateUnbounded<DomainLifecycleEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock watchersGate = new();
    private readonly List<Channel<DomainLifecycleEvent>> watchers = [];
    private readonly Task dispatcher;
    private readonly int lifecycleCallbackId;
    private int disposed;

    private unsafe LibvirtConnection(ConnectHandle handle, string uri)
    {
        this.handle = handle;
        Uri = uri;
        var self = GCHandle.Alloc(this, GCHandleType.Weak);
        lifecycleCallbackId = LibvirtNative.virConnectDomainEventRegisterAny(handle, IntPtr.Zero, LibvirtNative.DomainEventIdLifecycle,
            &OnLifecycle, GCHandle.ToIntPtr(self), &FreeCallbackOpaque);
        if (lifecycleCallbackId < 0)
        {
            var error = LibvirtException.FromLastError($"subscribe to lifecycle events on {uri}");
            self.Free();
            handle.Dispose();
            throw error;
        }
        dispatcher = Task.Run(DispatchAsync);
    }

    /// <summary>The URI this connection was opened with.</summary>
    public string Uri { get; }

    internal ConnectHandle Handle => handle;

    /// <summary>Raised for every domain lifecycle event, on a dispatcher thread (never libvirt's loop).</summary>
    public event EventHandler<DomainLifecycleEvent>? DomainLifecycle;

    /// <summary>Opens a connection (virConnectOpen). Blocks for the driver start-up: ~1 ms for a daemon, longer for a first embedded open.</summary>
    public static LibvirtConnection Open(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        LibvirtRuntime.EnsureStarted();
        IntPtr conn = LibvirtNative.virConnectOpen(uri);
        if (conn == IntPtr.Zero) throw LibvirtException.FromLastError($"connect to {uri}");
        return new LibvirtConnection(new ConnectHandle(conn), uri);
    }

    public static Task<LibvirtConnection> OpenAsync(string uri, CancellationToken cancellationToken = default) =>
        Blocking.Run(() => Open(uri), cancellationToken);

    /// <summary>
    /// Asks a remote daemon to check the connection every <paramref name="interval"/> and to close it
    /// after <paramref name="missedReplies"/> unanswered probes (virConnectSetKeepAlive). Returns false
    /// when the peer does not support keep-alive. Local and embedded connections reject keep-alive;
    /// there is nothing to probe, so only call this for remote URIs.
    /// </summary>
    public bool SetKeepAlive(TimeSpan interval, int missedReplies)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfNegative(missedReplies);
        int rc = LibvirtNative.virConnectSetKeepAlive(handle, (int)interval.TotalSeconds, (uint)missedReplies);
        if (rc < 0) throw LibvirtException.FromLastError($"set keep-alive on {Uri}");
        return rc == 0;
    }

    /// <summary>False once a remote connection has been closed by keep-alive or the peer went away.</summary>
    public bool IsAlive => LibvirtNative.virConnectIsAlive(handle) == 1;

    /// <summary>Starts a transient domain from XML (virDomainCreateXML); with <paramref name="startPaused"/> QEMU is ready but its vCPUs wait for <see cref="Domain.Resume"/>.</summary>
    public Domain CreateDomain(string xml, bool startPaused = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(xml);
        IntPtr dom = LibvirtNative.virDomainCreateXML(handle, xml, startPaused ? LibvirtNative.DomainStartPaused : 0);
        if (dom == IntPtr.Zero) throw LibvirtException.FromLastError("create domain " + DomainXml.NameOf(xml));
        return new Domain(new DomainHandle(dom));
    }

    public Domain CreateDomain(DomainSpec spec, bool startPaused = false) => CreateDomain(DomainXml.Render(spec), startPaused);

    public Task<Domain> CreateDomainAsync(DomainSpec spec, bool startPaused = false, CancellationToken cancellationToken = default)
    {
        string xml = DomainXml.Render(spec); // validation errors surface synchronously, before any thread hop
        return Blocking.Run(() => CreateDomain(xml, startPaused), cancellationToken);
    }

    public Task<Domain> CreateDomainAsync(string xml, bool startPaused = false, CancellationToken cancellationToken = default) =>
        Blocking.Run(() => CreateDomain(xml, startPaused), cancellationToken);

    /// <summary>
    /// What the hypervisor offers domains of this machine type and accelerator (virConnectGetDomainCapabilities),
    /// as libvirt's XML. On a daemon that has not run this QEMU binary before this is where libvirt probes it
    /// (seconds under TCG), which would otherwise fall on the first domain start.
    /// </summary>
    public string GetDomainCapabilities(MachineKind machine, Accelerator accelerator)
    {
        IntPtr xml = LibvirtNative.virConnectGetDomainCapabilities(handle, null, "x86_64", DomainXml.MachineName(machine), DomainXml.DomainType(accelerator), 0);
        if (xml == IntPtr.Zero) throw LibvirtException.FromLastError("read the domain capabilities");
        try { return Marshal.PtrToStringUTF8(xml) ?? ""; }
        finally { unsafe { NativeMemory.Free((void*)xml); } }
    }

    public Task<string> GetDomainCapabilitiesAsync(MachineKind machine, Accelerator accelerator, CancellationToken cancellationToken = default) =>
        Blocking.Run(() => GetDomainCapabilities(machine, accelerator), cancellationToken);

    /// <summary>
    /// Defines a network filter (virNWFilterDefineXML) that domains reference by name from their NICs. A filter
    /// of the same name and UUID is replaced; libvirt compares the definitions and re-instantiates the rules of
    /// running domains only when they differ, so defining the same XML again on every connect is cheap and safe.
    /// Fails when the daemon has no nwfilter driver.
    /// </summary>
    public void DefineNetworkFilter(string xml)
    {
        ArgumentException.ThrowIfNullOrEmpty(xml);
        IntPtr filter = LibvirtNative.virNWFilterDefineXML(handle, xml);
        if (filter == IntPtr.Zero) throw LibvirtException.FromLastError($"define network filter {NetworkFilterName(xml)} on {Uri}");
        _ = LibvirtNative.virNWFilterFree(filter); // drops our reference only; the definition stays with the daemon
    }

    public Task DefineNetworkFilterAsync(string xml, CancellationToken cancellationToken = default) =>
        Blocking.Run(() => DefineNetworkFilter(xml), cancellationToken);

    private static string NetworkFilterName(string xml)
    {
        try { return "'" + System.Xml.Linq.XElement.Parse(xml).Attribute("name")?.Value + "'"; }
        catch (System.Xml.XmlException) { return "(unparsable XML)"; }
    }

    /// <summary>The domain with this name, or null if there is none.</summary>
    public Domain? FindDomain(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        IntPtr dom = LibvirtNative.virDomainLookupByName(handle, name);
        if (dom != IntPtr.Zero) return new Domain(new DomainHandle(dom));
        var error = LibvirtException.FromLastError($"look up domain '{name}'");
        if (error.Code == LibvirtException.ErrNoDomain) return null;
        throw error;
    }

    /// <summary>Every domain this driver knows (running, paused, and defined ones). Dispose each.</summary>
    public unsafe IReadOnlyList<Domain> ListDomains()
    {
        int n = LibvirtNative.virConnectListAllDomains(handle, out IntPtr array, 0);
        if (n < 0) throw LibvirtException.FromLastError($"list domains on {Uri}");
        var result = new List<Domain>(n);
        try
        {
            for (int i = 0; i < n; i++)
                result.Add(new Domain(new DomainHandle(((IntPtr*)array)[i])));
        }
        finally
        {
            NativeMemory.Free((void*)array);
        }
        return result;
    }

    /// <summary>
    /// Opens <paramref name="domain"/>'s serial console through libvirt (virDomainOpenConsole): a line
    /// stream that works the same over a remote URI. The domain's serial must be
    /// <see cref="SerialConsole.ToPty"/>; open it while the domain is paused to miss no output.
    /// <paramref name="force"/> takes the console from an earlier reader (libvirt allows one).
    /// </summary>
    public DomainConsole OpenConsole(Domain domain, bool force = true)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        return DomainConsole.Open(this, domain, force);
    }

    public Task<DomainConsole> OpenConsoleAsync(Domain domain, bool force = true, CancellationToken cancellationToken = default) =>
        Blocking.Run(() => OpenConsole(domain, force), cancellationToken);

    /// <summary>
    /// Lifecycle events from now until <paramref name="cancellationToken"/> fires or the connection
    /// is disposed. Each call gets its own unbounded queue, so a reader never misses events.
    /// </summary>
    public async IAsyncEnumerable<DomainLifecycleEvent> WatchLifecycleAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<DomainLifecycleEvent>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        lock (watchersGate)
        {
            ObjectDisposedException.ThrowIf(disposed != 0, this);
            watchers.Add(channel);
        }
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            lock (watchersGate) watchers.Remove(channel);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        // Deregistering may fail once a remote peer is gone; the close below still releases everything.
        if (LibvirtNative.virConnectDomainEventDeregisterAny(handle, lifecycleCallbackId) < 0) LibvirtNative.virResetLastError();
        inbox.Writer.TryComplete();
        lock (watchersGate)
        {
            foreach (var w in watchers) w.Writer.TryComplete();
            watchers.Clear();
        }
        handle.Dispose();
    }

    public override string ToString() => Uri;

    private async Task DispatchAsync()
    {
        await foreach (var e in inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Channel<DomainLifecycleEvent>[] targets;
            lock (watchersGate) targets = [.. watchers];
            foreach (var w in targets) w.Writer.TryWrite(e);
            try
            {
                DomainLifecycle?.Invoke(this, e);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A subscriber's bug must not stop delivery to the others; report it where it can be seen.
                Console.Error.WriteLine($"summoner.libvirt: a DomainLifecycle handler threw: {ex}");
            }
        }
    }

    [UnmanagedCallersOnly]
    private static int OnLifecycle(IntPtr conn, IntPtr dom, int eventKind, int detail, IntPtr opaque)
    {
        // Runs on libvirt's event-loop thread: copy what we need and return at once.
        if (GCHandle.FromIntPtr(opaque).Target is not LibvirtConnection self) return 0;
        string name = Marshal.PtrToStringUTF8(LibvirtNative.virDomainGetName(dom)) ?? "";
        var e = new DomainLifecycleEvent(name, Domain.ReadUuid(dom), (DomainEventKind)eventKind, detail, DateTimeOffset.UtcNow);
        self.inbox.Writer.TryWrite(e);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static void FreeCallbackOpaque(IntPtr opaque) => GCHandle.FromIntPtr(opaque).Free();
}
