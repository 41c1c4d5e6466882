using System.Runtime.CompilerServices;

namespace Kernel.Runtime
{
    /// <summary>
    /// Device register access for drivers (virtio-mmio, APICs). Every call is a real load or
    /// store in program order: NoInlining keeps the JIT from merging, hoisting or reordering
    /// accesses to memory the device changes. The low 4 GiB are identity-mapped, so a register's
    /// physical address is its pointer.
    /// </summary>
    public static unsafe class Mmio
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static byte Read8(nint address) => *(byte*)address;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static ushort Read16(nint address) => *(ushort*)address;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static uint Read32(nint address) => *(uint*)address;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static ulong Read64(nint address) => *(ulong*)address;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Write8(nint address, byte value) => *(byte*)address = value;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Write16(nint address, ushort value) => *(ushort*)address = value;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Write32(nint address, uint value) => *(uint*)address = value;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void Write64(nint address, ulong value) => *(ulong*)address = value;

        /// <summary>
        /// Full fence (mfence): orders the ring writes a device will read (e.g. a virtqueue's
        /// descriptors and avail index) before the notification that tells it to look.
        /// </summary>
        public static void Barrier() => Native.MemoryFence();
    }
}
