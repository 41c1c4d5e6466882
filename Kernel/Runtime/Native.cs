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

        [RuntimeImport("*", "kern_outw")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void OutW(ushort port, ushort value);

        [RuntimeImport("*", "kern_outl")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void OutL(ushort port, uint value);

        [RuntimeImport("*", "kern_inl")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern uint InL(ushort port);

        [RuntimeImport("*", "kern_rdtsc")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern ulong Rdtsc();

        [RuntimeImport("*", "kern_exit")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Exit(uint code);

        [RuntimeImport("*", "kern_heap_base")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint ImageEnd();

        [RuntimeImport("*", "kern_modules_start")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint ModulesStart();

        [RuntimeImport("*", "kern_modules_end")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint ModulesEnd();

        [RuntimeImport("*", "kern_entry_tsc")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern ulong EntryTsc();

        [RuntimeImport("*", "kern_halt")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Halt();

        [RuntimeImport("*", "kern_enable_interrupts")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void EnableInterrupts();

        [RuntimeImport("*", "kern_disable_interrupts")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void DisableInterrupts();

        [RuntimeImport("*", "kern_wait_for_interrupt")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void WaitForInterrupt(ulong* counter, ulong seen);

        // Zeroes `bytes` (a multiple of 8) at `address` with rep stosq.
        [RuntimeImport("*", "kern_zero")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Zero(nint address, nuint bytes);

        [RuntimeImport("*", "kern_mfence")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void MemoryFence();

        [RuntimeImport("*", "kern_cr2")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint Cr2();

        [RuntimeImport("*", "kern_invlpg")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void InvalidatePage(nint address);

        [RuntimeImport("*", "kern_frame_pointer")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint FramePointer();

        [RuntimeImport("*", "kern_page_directory")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern ulong* PageDirectory();

        [RuntimeImport("*", "kern_stack_top")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint StackTop();

        [RuntimeImport("*", "kern_stack_guard")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint StackGuard();

        [RuntimeImport("*", "kern_text_start")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint TextStart();

        [RuntimeImport("*", "kern_text_end")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint TextEnd();

        [RuntimeImport("*", "kern_data_start")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint DataStart();

        [RuntimeImport("*", "kern_data_end")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint DataEnd();

        // IST stacks (Boot/boot.asm IST_SIZE each): CPU exceptions run on the first, interrupts
        // on the second.
        internal const int InterruptStackSize = 16 * 1024;

        [RuntimeImport("*", "kern_exception_stack")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint ExceptionStack();

        [RuntimeImport("*", "kern_interrupt_stack")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint InterruptStack();

        [RuntimeImport("*", "kern_static_start")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint StaticStart();

        [RuntimeImport("*", "kern_static_end")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint StaticEnd();

        [RuntimeImport("*", "kern_symbols_start")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint SymbolsStart();

        [RuntimeImport("*", "kern_symbols_end")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint SymbolsEnd();

        [RuntimeImport("*", "kern_bss_start")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint BssStart();

        [RuntimeImport("*", "kern_bss_end")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern nint BssEnd();

        // Spills callee-saved registers and calls GarbageCollector.CollectFrom(lowest stack address).
        [RuntimeImport("*", "kern_collect")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Collect();

        [RuntimeImport("*", "app_main")][MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void AppMain();
    }
}
