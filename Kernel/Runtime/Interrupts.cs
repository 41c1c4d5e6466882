using System;
using System.Runtime;

namespace Kernel.Runtime
{
    /// <summary>
    /// Device interrupts. Handlers run in interrupt context with interrupts off: they must be
    /// short and must not allocate (set a flag, acknowledge the device); allocating there is a
    /// panic. Lines are programmed edge-triggered. QEMU delivers every raise of a virtio-mmio
    /// line even while an earlier one is unacknowledged (measured), but acknowledge anyway.
    /// </summary>
    public static unsafe class Interrupts
    {
        private static Action?[]? s_handlers;
        private static ulong s_count;
        private static int s_depth;

        /// <summary>True while an interrupt handler runs (on the interrupt stack, interrupts off).</summary>
        public static bool InHandler => s_depth != 0;

        /// <summary>Interrupts taken since boot (timer and devices).</summary>
        public static long Count => (long)s_count;

        internal static ulong* CounterAddress
        {
            get
            {
                fixed (ulong* p = &s_count) return p;
            }
        }

        internal static void Initialize()
        {
            s_handlers = new Action?[IoApic.MaxGsi];
            IoApic.MaskAll();
            Lapic.Initialize();
        }

        /// <summary>
        /// Routes IOAPIC input <paramref name="gsi"/> (a legacy ISA IRQ n is GSI n, except the
        /// PIT's IRQ 0, which is GSI 2; virtio-mmio devices name theirs on the command line, e.g.
        /// virtio_mmio.device=512@0xfeb00e00:12) to <paramref name="handler"/>.
        /// </summary>
        public static void RegisterIrq(int gsi, Action handler)
        {
            if (handler is null) Panic.Fail("Interrupts.RegisterIrq: handler is null");
            if (!IoApic.Exists(gsi)) Panic.Fail("Interrupts.RegisterIrq: no IOAPIC input for this GSI (valid: 0-23, 24-47 with ioapic2)");
            s_handlers![gsi] = handler;
            IoApic.Unmask(gsi);
        }

        internal static void Enable() => Native.EnableInterrupts();

        [RuntimeExport("kern_interrupt")]
        private static void Dispatch(InterruptFrame* frame)
        {
            ulong vector = frame->Vector;
            if (vector < 32)
            {
                CpuException.Handle(frame);
                return;
            }
            s_count++;
            if (vector == Lapic.SpuriousVector) return; // no EOI for spurious interrupts
            if (vector >= IoApic.IrqBase && vector < IoApic.IrqBase + IoApic.MaxGsi)
            {
                Action? handler = s_handlers![(int)vector - IoApic.IrqBase];
                s_depth++;
                handler?.Invoke();
                s_depth--;
            }
            Lapic.EndOfInterrupt();
        }
    }
}
