using System.Runtime.InteropServices;

namespace Summoner.Libvirt.Native;

/// <summary>Owns one reference to a virStoragePoolPtr; releasing it calls virStoragePoolFree (the pool stays defined).</summary>
internal sealed class StoragePoolHandle : SafeHandle
{
    public StoragePoolHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal StoragePoolHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virStoragePoolFree(handle) >= 0;
}

/// <summary>Owns one reference to a virStorageVolPtr; releasing it calls virStorageVolFree (the volume stays).</summary>
internal sealed class StorageVolHandle : SafeHandle
{
    public StorageVolHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal StorageVolHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virStorageVolFree(handle) >= 0;
}

/// <summary>Owns one reference to a virStreamPtr; releasing it calls virStreamFree (finish or abort it first).</summary>
internal sealed class StreamHandle : SafeHandle
{
    public StreamHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal StreamHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virStreamFree(handle) >= 0;
}
