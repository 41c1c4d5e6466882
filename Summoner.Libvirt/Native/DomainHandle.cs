using System.Runtime.InteropServices;

namespace Summoner.Libvirt.Native;

/// <summary>Owns one reference to a virDomainPtr; releasing it calls virDomainFree (the domain keeps running).</summary>
internal sealed class DomainHandle : SafeHandle
{
    public DomainHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal DomainHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virDomainFree(handle) >= 0;
}
