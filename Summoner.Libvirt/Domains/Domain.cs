using System.Runtime.InteropServices;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>
/// A handle to one libvirt domain. Disposing frees the handle only; the guest keeps running until
/// <see cref="Destroy"/>. Thread-safe: libvirt serialises operations on a domain internally, and the
/// SafeHandle keeps the native pointer alive while any call is in flight.
/// </summary>
public sealed class Domain : IDisposable
{
    private readonly DomainHandle handle;

    internal Domain(DomainHandle handle)
    {
        this.handle = handle;
        Name = Marshal.PtrToStringUTF8(LibvirtNative.virDomainGetName(handle)) ?? "";
        Uuid = ReadUuid(handle);
    }

    public string Name { get; }

    internal DomainHandle Handle => handle;

    public Guid Uuid { get; }

    /// <summary>The running domain's numeric id (changes with every start), or null when it is not running.</summary>
    public int? Id
    {
        get
        {
            uint id = LibvirtNative.virDomainGetID(handle);
            if (id != uint.MaxValue) return (int)id;
            LibvirtNative.virResetLastError(); // "not running" is an answer here, not an error
            return null;
        }
    }

    public DomainStatus GetStatus()
    {
        if (LibvirtNative.virDomainGetState(handle, out int state, out int reason, 0) < 0)
            throw LibvirtException.FromLastError($"read the state of domain '{Name}'");
        return new DomainStatus((DomainState)state, reason);
    }

    /// <summary>Pauses every vCPU (virDomainSuspend); memory stays allocated. About 5 ms.</summary>
    public void Suspend()
    {
        if (LibvirtNative.virDomainSuspend(handle) < 0) throw LibvirtException.FromLastError($"suspend domain '{Name}'");
    }

    /// <summary>Resumes a domain created paused or suspended (virDomainResume). About 5-10 ms.</summary>
    public void Resume()
    {
        if (LibvirtNative.virDomainResume(handle) < 0) throw LibvirtException.FromLastError($"resume domain '{Name}'");
    }

    /// <summary>
    /// Kills the guest's QEMU and waits until libvirt has cleaned up (virDomainDestroy). libvirt 9.0
    /// polls every 200 ms, so expect ~200 ms with prompt reaping and 1.2-2 s without (see <see cref="ChildReaper"/>).
    /// </summary>
    public void Destroy()
    {
        if (LibvirtNative.virDomainDestroy(handle) < 0) throw LibvirtException.FromLastError($"destroy domain '{Name}'");
    }

    public Task SuspendAsync(CancellationToken cancellationToken = default) => Blocking.Run(Suspend, cancellationToken);

    public Task ResumeAsync(CancellationToken cancellationToken = default) => Blocking.Run(Resume, cancellationToken);

    public Task DestroyAsync(CancellationToken cancellationToken = default) => Blocking.Run(Destroy, cancellationToken);

    /// <summary>Counters of the NIC whose host-side device (tap name) or MAC address is <paramref name="device"/>.</summary>
    public unsafe InterfaceStatistics GetInterfaceStatistics(string device)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        LibvirtNative.InterfaceStatsStruct s;
        if (LibvirtNative.virDomainInterfaceStats(handle, device, &s, (nuint)sizeof(LibvirtNative.InterfaceStatsStruct)) < 0)
            throw LibvirtException.FromLastError($"read statistics of interface '{device}' of domain '{Name}'");
        return new InterfaceStatistics(s.RxBytes, s.RxPackets, s.RxErrs, s.RxDrop, s.TxBytes, s.TxPackets, s.TxErrs, s.TxDrop);
    }

    /// <summary>The live domain XML as libvirt expanded it (useful to find generated tap names).</summary>
    public string GetXml()
    {
        IntPtr xml = LibvirtNative.virDomainGetXMLDesc(handle, 0);
        if (xml == IntPtr.Zero) throw LibvirtException.FromLastError($"read the XML of domain '{Name}'");
        try { return Marshal.PtrToStringUTF8(xml) ?? ""; }
        finally { unsafe { NativeMemory.Free((void*)xml); } }
    }

    public void Dispose() => handle.Dispose();

    public override string ToString() => Name;

    internal static unsafe Guid ReadUuid(IntPtr domain)
    {
        byte* buf = stackalloc byte[48];
        return LibvirtNative.virDomainGetUUIDString(domain, buf) < 0
            ? Guid.Empty
            : Guid.Parse(new ReadOnlySpan<byte>(buf, 36));
    }

    private static Guid ReadUuid(DomainHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return ReadUuid(handle.DangerousGetHandle());
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
