using System.Runtime.InteropServices;

namespace Summoner.Libvirt.Native;

/// <summary>Owns one reference to a virConnectPtr; releasing it calls virConnectClose.</summary>
internal sealed class ConnectHandle : SafeHandle
{
    public ConnectHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal ConnectHandle(IntPtr existing) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibvirtNative.virConnectClose(handle) >= 0;
}
