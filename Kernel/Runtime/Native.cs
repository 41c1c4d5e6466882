using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Runtime
{
    // Symbols implemented by the boot stub (Boot/boot.asm). Direct calls, no transition frames.
    internal static unsafe class Native
    {
        [RuntimeImport("*", "kern_outb")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void OutB(ushort port, byte value);

        [RuntimeImport("*", "kern_inb")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern byte InB(ushort port);

        [RuntimeImport("*", "kern_outl")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void OutL(ushort port, uint value);

        [RuntimeImport("*", "kern_inl")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern uint InL(ushort port);

        [RuntimeImport("*", "kern_rdtsc")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern ulong Rdtsc();

        [RuntimeImport("*", "kern_exit")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Exit(uint code);

        [RuntimeImport("*", "kern_heap_base")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint HeapBase();

        [RuntimeImport("*", "kern_modules_start")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint ModulesStart();

        [RuntimeImport("*", "kern_modules_end")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint ModulesEnd();

        [RuntimeImport("*", "kern_entry_tsc")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern ulong EntryTsc();

        [RuntimeImport("*", "kern_halt")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Halt();

        [RuntimeImport("*", "app_main")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void AppMain();
    }
}
