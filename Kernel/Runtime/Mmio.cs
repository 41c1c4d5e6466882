using System.Runtime.CompilerServices;

namespace Kernel.Runtime
{
    // Device register access. NoInlining keeps every access a real load or store: the JIT must
    // not merge or hoist reads of a register whose value the device changes.
    internal static unsafe class Mmio
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static uint Read32(nint address) => *(uint*)address;

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static void Write32(nint address, uint value) => *(uint*)address = value;
    }
}
