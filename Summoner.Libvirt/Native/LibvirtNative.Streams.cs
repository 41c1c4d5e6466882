using System.Runtime.InteropServices;

namespace Summoner.Libvirt.Native;

/// <summary>Storage pools, volumes and streams: how images reach a host and how its consoles come back.</summary>
internal static unsafe partial class LibvirtNative
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virStoragePoolLookupByName(ConnectHandle conn, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virStoragePoolDefineXML(ConnectHandle conn, string xml, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolBuild(StoragePoolHandle pool, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolCreate(StoragePoolHandle pool, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolIsActive(StoragePoolHandle pool);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolSetAutostart(StoragePoolHandle pool, int autostart);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolRefresh(StoragePoolHandle pool, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStoragePoolFree(IntPtr pool);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virStorageVolLookupByName(StoragePoolHandle pool, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virStorageVolCreateXML(StoragePoolHandle pool, string xml, uint flags);

    [LibraryImport(Library)]
    internal static partial IntPtr virStorageVolGetPath(StorageVolHandle vol);

    [LibraryImport(Library)]
    internal static partial int virStorageVolGetInfo(StorageVolHandle vol, StorageVolInfo* info);

    [LibraryImport(Library)]
    internal static partial int virStorageVolDelete(StorageVolHandle vol, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStorageVolUpload(StorageVolHandle vol, StreamHandle stream, ulong offset, ulong length, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStorageVolDownload(StorageVolHandle vol, StreamHandle stream, ulong offset, ulong length, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStorageVolFree(IntPtr vol);

    [LibraryImport(Library)]
    internal static partial IntPtr virStreamNew(ConnectHandle conn, uint flags);

    [LibraryImport(Library)]
    internal static partial int virStreamSend(StreamHandle stream, byte* data, nuint length);

    [LibraryImport(Library)]
    internal static partial int virStreamRecv(StreamHandle stream, byte* data, nuint length);

    [LibraryImport(Library)]
    internal static partial int virStreamRecv(IntPtr stream, byte* data, nuint length);

    [LibraryImport(Library)]
    internal static partial int virStreamFinish(StreamHandle stream);

    [LibraryImport(Library)]
    internal static partial int virStreamAbort(StreamHandle stream);

    [LibraryImport(Library)]
    internal static partial int virStreamFree(IntPtr stream);

    [LibraryImport(Library)]
    internal static partial int virStreamEventAddCallback(StreamHandle stream, int events,
        delegate* unmanaged<IntPtr, int, IntPtr, void> callback, IntPtr opaque, delegate* unmanaged<IntPtr, void> freeCallback);

    [LibraryImport(Library)]
    internal static partial int virStreamEventRemoveCallback(StreamHandle stream);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainOpenConsole(DomainHandle domain, string? deviceName, StreamHandle stream, uint flags);

    internal const uint StreamNonBlock = 1;
    internal const int StreamEventReadable = 1;
    internal const int StreamEventError = 4;
    internal const int StreamEventHangup = 8;
    internal const uint DomainConsoleForce = 1;

    /// <summary>Layout of virStorageVolInfo.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StorageVolInfo
    {
        public int Type;
        public ulong Capacity;
        public ulong Allocation;
    }
}
