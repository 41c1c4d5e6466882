using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Xml.Linq;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>
/// The storage pool images go to on one libvirt host: a <c>dir</c> pool, defined (and built,
/// started, marked autostart) by <see cref="ImageStore"/> when the host has no pool of that name.
/// </summary>
public sealed record ImagePool
{
    /// <summary>libvirt pool name; one per Summoner installation on a host is enough.</summary>
    public string Name { get; init; } = "summoner-images";

    /// <summary>
    /// Absolute directory on the host the daemon runs on (not this machine's, for a remote URI).
    /// Used only when the pool is defined; an existing pool of <see cref="Name"/> keeps its own.
    /// </summary>
    public required string Directory { get; init; }
}

/// <summary>An image as a volume on a host: <see cref="Path"/> is what that host's QEMU loads.</summary>
/// <param name="Uploaded">True when this call sent the bytes; false when the host already held them.</param>
public sealed record ImageVolume(string Name, string Path, string Sha256, long Length, bool Uploaded);

/// <summary>
/// Ships guest images to a libvirt host through libvirt itself (storage pool + volume upload over a
/// virStream), so a remote host needs no scp and no shared disk. The volume name carries the
/// image's content hash (<c>hello-1f2e3d4c5b6a7980.elf</c>): a changed image becomes a new volume, an
/// unchanged one is never sent twice. Before a volume is used its bytes are read back through
/// libvirt and hashed, so a partial upload (a crash mid-transfer) or a file changed on the host is
/// replaced, never booted.
/// </summary>
/// <remarks>
/// Needs a connection with a storage driver: a libvirtd, local or remote. libvirt 9.0's embedded
/// driver has none (and <c>storage:///embed</c> is rejected), which the error's remedy says.
/// Calls for one volume are serialised within this process; two processes ensuring the same image
/// in one pool at the same moment can see each other's half-written volume as corrupt.
/// </remarks>
public static class ImageStore
{
    /// <summary>Hex digits of the SHA-256 kept in the volume name (64 bits: a collision would still be caught by the full hash check).</summary>
    public const int NameHashLength = 16;

    private const int ChunkBytes = 256 * 1024;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>
    /// Makes sure the host behind <paramref name="connection"/> holds <paramref name="localPath"/>'s
    /// bytes in <paramref name="pool"/>, and returns that volume. Blocking libvirt work runs on its own
    /// thread; cancellation is honoured between steps, never inside a libvirt call.
    /// </summary>
    public static async Task<ImageVolume> EnsureAsync(LibvirtConnection connection, string localPath, ImagePool pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        ArgumentNullException.ThrowIfNull(pool);
        if (!System.IO.Path.IsPathFullyQualified(pool.Directory))
            throw new ArgumentException($"the image pool directory must be an absolute path on the host, not '{pool.Directory}'", nameof(pool));
        if (!File.Exists(localPath)) throw new FileNotFoundException($"image {localPath} does not exist: build it first (./summoner build)", localPath);

        byte[] image = await File.ReadAllBytesAsync(localPath, cancellationToken).ConfigureAwait(false);
        string sha = Convert.ToHexStringLower(SHA256.HashData(image));
        string name = VolumeName(localPath, sha);
        var gate = Gates.GetOrAdd(connection.Uri + "\n" + pool.Name + "\n" + name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Blocking.Run(() => Ensure(connection, image, sha, name, pool, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary><c>STEM-HASH16.EXT</c>: the file's name (characters libvirt accepts in a volume name) and the first hex digits of its SHA-256.</summary>
    public static string VolumeName(string localPath, string sha256Hex)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        if (sha256Hex is null || sha256Hex.Length < NameHashLength) throw new ArgumentException("a SHA-256 in hex is needed", nameof(sha256Hex));
        string file = System.IO.Path.GetFileName(localPath);
        string stem = Clean(System.IO.Path.GetFileNameWithoutExtension(file));
        string ext = Clean(System.IO.Path.GetExtension(file));
        if (stem.Length == 0) stem = "image";
        return $"{stem}-{sha256Hex[..NameHashLength].ToLowerInvariant()}{ext}";

        static string Clean(string s) => new([.. s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_')]);
    }

    private static ImageVolume Ensure(LibvirtConnection connection, byte[] image, string sha, string name, ImagePool pool, CancellationToken cancellationToken)
    {
        using StoragePoolHandle poolHandle = OpenPool(connection, pool);
        // The pool's volume list is libvirt's cache of the directory: a volume deleted or added on
        // the host behind libvirt's back shows only after a refresh.
        if (LibvirtNative.virStoragePoolRefresh(poolHandle, 0) < 0) throw LibvirtException.FromLastError($"refresh storage pool '{pool.Name}' on {connection.Uri}");

        using (StorageVolHandle? existing = LookUpVolume(poolHandle, name, pool.Name))
        {
            if (existing is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (HoldsImage(connection, existing, image.LongLength, sha, name))
                    return new ImageVolume(name, PathOf(existing, name), sha, image.LongLength, Uploaded: false);
                // A partial upload or a file changed on the host: its name promises bytes it does not hold.
                if (LibvirtNative.virStorageVolDelete(existing, 0) < 0) throw LibvirtException.FromLastError($"delete corrupt volume '{name}' in pool '{pool.Name}'");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        using StorageVolHandle volume = CreateVolume(poolHandle, name, image.LongLength, pool.Name);
        try
        {
            Upload(connection, volume, image, name);
            if (!HoldsImage(connection, volume, image.LongLength, sha, name))
                throw new LibvirtException($"upload image volume '{name}' to {connection.Uri}", LibvirtException.ErrOperationFailed, 0,
                    "the bytes read back differ from the bytes sent", "check the host's disk (full, or failing) under the pool's directory");
        }
        catch
        {
            // Never leave a volume whose name promises bytes it does not hold.
            if (LibvirtNative.virStorageVolDelete(volume, 0) < 0) LibvirtNative.virResetLastError();
            throw;
        }
        return new ImageVolume(name, PathOf(volume, name), sha, image.LongLength, Uploaded: true);
    }

    private static StoragePoolHandle OpenPool(LibvirtConnection connection, ImagePool pool)
    {
        IntPtr found = LibvirtNative.virStoragePoolLookupByName(connection.Handle, pool.Name);
        StoragePoolHandle handle;
        if (found != IntPtr.Zero)
        {
            handle = new StoragePoolHandle(found);
        }
        else
        {
            var error = LibvirtException.FromLastError($"look up storage pool '{pool.Name}' on {connection.Uri}");
            if (error.Code != LibvirtException.ErrNoStoragePool) throw error;
            handle = DefinePool(connection, pool);
        }
        try
        {
            int active = LibvirtNative.virStoragePoolIsActive(handle);
            if (active < 0) throw LibvirtException.FromLastError($"read the state of storage pool '{pool.Name}'");
            if (active == 0 && LibvirtNative.virStoragePoolCreate(handle, 0) < 0)
                throw LibvirtException.FromLastError($"start storage pool '{pool.Name}' on {connection.Uri}");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static StoragePoolHandle DefinePool(LibvirtConnection connection, ImagePool pool)
    {
        string xml = new XElement("pool", new XAttribute("type", "dir"),
            new XElement("name", pool.Name),
            new XElement("target", new XElement("path", pool.Directory))).ToString();
        IntPtr defined = LibvirtNative.virStoragePoolDefineXML(connection.Handle, xml, 0);
        if (defined == IntPtr.Zero) throw LibvirtException.FromLastError($"define storage pool '{pool.Name}' (dir {pool.Directory}) on {connection.Uri}");
        var handle = new StoragePoolHandle(defined);
        try
        {
            // Build makes the directory (fine if it exists); autostart brings the pool back with the daemon.
            if (LibvirtNative.virStoragePoolBuild(handle, 0) < 0) throw LibvirtException.FromLastError($"build storage pool '{pool.Name}' (mkdir {pool.Directory}) on {connection.Uri}");
            if (LibvirtNative.virStoragePoolSetAutostart(handle, 1) < 0) throw LibvirtException.FromLastError($"mark storage pool '{pool.Name}' autostart on {connection.Uri}");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static StorageVolHandle? LookUpVolume(StoragePoolHandle pool, string name, string poolName)
    {
        IntPtr found = LibvirtNative.virStorageVolLookupByName(pool, name);
        if (found != IntPtr.Zero) return new StorageVolHandle(found);
        var error = LibvirtException.FromLastError($"look up volume '{name}' in pool '{poolName}'");
        if (error.Code == LibvirtException.ErrNoStorageVolume) return null;
        throw error;
    }

    private static StorageVolHandle CreateVolume(StoragePoolHandle pool, string name, long length, string poolName)
    {
        string xml = new XElement("volume",
            new XElement("name", name),
            new XElement("capacity", new XAttribute("unit", "bytes"), length.ToString(CultureInfo.InvariantCulture)),
            new XElement("target",
                new XElement("format", new XAttribute("type", "raw")),
                new XElement("permissions", new XElement("mode", "0644")))).ToString();
        IntPtr made = LibvirtNative.virStorageVolCreateXML(pool, xml, 0);
        if (made == IntPtr.Zero) throw LibvirtException.FromLastError($"create volume '{name}' ({length} bytes) in pool '{poolName}'");
        return new StorageVolHandle(made);
    }

    private static unsafe void Upload(LibvirtConnection connection, StorageVolHandle volume, byte[] image, string name)
    {
        using StreamHandle stream = NewStream(connection, $"upload volume '{name}'");
        if (LibvirtNative.virStorageVolUpload(volume, stream, 0, (ulong)image.LongLength, 0) < 0)
            throw LibvirtException.FromLastError($"start the upload of volume '{name}' to {connection.Uri}");
        try
        {
            fixed (byte* start = image)
            {
                long sent = 0;
                while (sent < image.LongLength)
                {
                    int n = LibvirtNative.virStreamSend(stream, start + sent, (nuint)Math.Min(ChunkBytes, image.LongLength - sent));
                    if (n < 0) throw LibvirtException.FromLastError($"send volume '{name}' to {connection.Uri} (at byte {sent})");
                    sent += n;
                }
            }
            if (LibvirtNative.virStreamFinish(stream) < 0) throw LibvirtException.FromLastError($"finish the upload of volume '{name}' to {connection.Uri}");
        }
        catch
        {
            if (LibvirtNative.virStreamAbort(stream) < 0) LibvirtNative.virResetLastError();
            throw;
        }
    }

    /// <summary>The volume's size and the SHA-256 of its bytes as the host reads them back (virStorageVolDownload).</summary>
    private static unsafe bool HoldsImage(LibvirtConnection connection, StorageVolHandle volume, long length, string sha, string name)
    {
        LibvirtNative.StorageVolInfo info;
        if (LibvirtNative.virStorageVolGetInfo(volume, &info) < 0) throw LibvirtException.FromLastError($"read the size of volume '{name}'");
        if (info.Capacity != (ulong)length) return false;

        using StreamHandle stream = NewStream(connection, $"download volume '{name}'");
        if (LibvirtNative.virStorageVolDownload(volume, stream, 0, (ulong)length, 0) < 0)
            throw LibvirtException.FromLastError($"start reading volume '{name}' back from {connection.Uri}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[ChunkBytes];
        long received = 0;
        try
        {
            fixed (byte* b = buffer)
            {
                while (true)
                {
                    int n = LibvirtNative.virStreamRecv(stream, b, (nuint)buffer.Length);
                    if (n < 0) throw LibvirtException.FromLastError($"read volume '{name}' back from {connection.Uri} (at byte {received})");
                    if (n == 0) break;
                    hash.AppendData(buffer, 0, n);
                    received += n;
                }
            }
            if (LibvirtNative.virStreamFinish(stream) < 0) throw LibvirtException.FromLastError($"finish reading volume '{name}' back from {connection.Uri}");
        }
        catch
        {
            if (LibvirtNative.virStreamAbort(stream) < 0) LibvirtNative.virResetLastError();
            throw;
        }
        return received == length && Convert.ToHexStringLower(hash.GetHashAndReset()) == sha;
    }

    private static StreamHandle NewStream(LibvirtConnection connection, string purpose)
    {
        IntPtr stream = LibvirtNative.virStreamNew(connection.Handle, 0);
        if (stream == IntPtr.Zero) throw LibvirtException.FromLastError($"open a stream to {purpose} on {connection.Uri}");
        return new StreamHandle(stream);
    }

    private static unsafe string PathOf(StorageVolHandle volume, string name)
    {
        IntPtr path = LibvirtNative.virStorageVolGetPath(volume);
        if (path == IntPtr.Zero) throw LibvirtException.FromLastError($"read the path of volume '{name}'");
        try { return Marshal.PtrToStringUTF8(path) ?? ""; }
        finally { NativeMemory.Free((void*)path); }
    }
}
