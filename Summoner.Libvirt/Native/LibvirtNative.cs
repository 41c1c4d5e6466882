using System.Runtime.InteropServices;

namespace Summoner.Libvirt.Native;

/// <summary>
/// The slice of libvirt.so.0's C API that Summoner uses, bound with source-generated P/Invoke.
/// Every pointer-returning call yields <see cref="IntPtr.Zero"/> on failure and every int-returning
/// call yields -1; the caller turns that into a <see cref="LibvirtException"/> on the same thread,
/// because libvirt keeps its last error in thread-local storage.
/// </summary>
internal static unsafe partial class LibvirtNative
{
    private const string Library = "libvirt.so.0";

    // virInitialize is idempotent and thread-safe since libvirt 0.9; calling it first makes the
    // DllNotFoundException surface in one place (Libvirt.EnsureAvailable) with an install hint.
    [LibraryImport(Library)]
    internal static partial int virInitialize();

    [LibraryImport(Library)]
    internal static partial int virGetVersion(out ulong libVer, IntPtr type, IntPtr typeVer);

    [LibraryImport(Library)]
    internal static partial IntPtr virGetLastError();

    [LibraryImport(Library)]
    internal static partial void virResetLastError();

    [LibraryImport(Library)]
    internal static partial void virSetErrorFunc(IntPtr userData, delegate* unmanaged<IntPtr, IntPtr, void> handler);

    [LibraryImport(Library)]
    internal static partial int virEventRegisterDefaultImpl();

    [LibraryImport(Library)]
    internal static partial int virEventRunDefaultImpl();

    [LibraryImport(Library)]
    internal static partial int virEventAddTimeout(int timeoutMs, delegate* unmanaged<int, IntPtr, void> callback, IntPtr opaque, IntPtr freeCallback);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virConnectOpen(string? name);

    [LibraryImport(Library)]
    internal static partial int virConnectClose(IntPtr conn);

    [LibraryImport(Library)]
    internal static partial int virConnectSetKeepAlive(ConnectHandle conn, int interval, uint count);

    [LibraryImport(Library)]
    internal static partial int virConnectIsAlive(ConnectHandle conn);

    [LibraryImport(Library)]
    internal static partial int virConnectListAllDomains(ConnectHandle conn, out IntPtr domains, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virConnectGetDomainCapabilities(ConnectHandle conn, string? emulatorbin, string? arch, string? machine, string? virttype, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virDomainCreateXML(ConnectHandle conn, string xmlDesc, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virDomainLookupByName(ConnectHandle conn, string name);

    [LibraryImport(Library)]
    internal static partial int virDomainFree(IntPtr domain);

    /// <summary>Defines (or, for a name already defined, replaces) a network filter; returns a virNWFilterPtr or NULL.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virNWFilterDefineXML(ConnectHandle conn, string xmlDesc);

    [LibraryImport(Library)]
    internal static partial int virNWFilterFree(IntPtr nwfilter);

    [LibraryImport(Library)]
    internal static partial IntPtr virDomainGetName(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial IntPtr virDomainGetName(IntPtr domain);

    [LibraryImport(Library)]
    internal static partial int virDomainGetUUIDString(IntPtr domain, byte* buf);

    [LibraryImport(Library)]
    internal static partial uint virDomainGetID(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSuspend(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainResume(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainDestroy(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial IntPtr virDomainGetXMLDesc(DomainHandle domain, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainInterfaceStats(DomainHandle domain, string device, InterfaceStatsStruct* stats, nuint size);

    [LibraryImport(Library)]
    internal static partial int virConnectDomainEventRegisterAny(ConnectHandle conn, IntPtr domain, int eventId,
        delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, int> callback, IntPtr opaque, delegate* unmanaged<IntPtr, void> freeCallback);

    [LibraryImport(Library)]
    internal static partial int virConnectDomainEventDeregisterAny(ConnectHandle conn, int callbackId);

    internal const uint DomainStartPaused = 1;
    internal const int DomainEventIdLifecycle = 0;

    /// <summary>Layout of virDomainInterfaceStatsStruct (eight 64-bit counters).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InterfaceStatsStruct
    {
        public long RxBytes, RxPackets, RxErrs, RxDrop, TxBytes, TxPackets, TxErrs, TxDrop;
    }

    /// <summary>The head of struct _virError: code, domain, message are its first three fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirErrorHead
    {
        public int Code;
        public int Domain;
        public IntPtr Message;
        public int Level;
    }
}
