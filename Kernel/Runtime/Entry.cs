using System.Runtime;

namespace Kernel.Runtime
{
    internal static unsafe class Entry
    {
        private const long MaxDefaultHeap = 256L << 20;

        [RuntimeExport("kmain")]
        private static void KMain(ulong bootInfo, uint magic)
        {
            BootInfo.Initialize(bootInfo);
            CommandLine.Initialize(BootInfo.CommandLine);
            PhysicalMemory.Initialize((ulong)Native.ImageEnd());
            Paging.Unmap(0);
            Paging.Unmap(Native.StackGuard());
            GarbageCollector.Initialize(CommandLine.GetSize("heap", DefaultHeapSize()));
            GarbageCollector.s_traceRoots = CommandLine.Get("gc.trace") is not null;
            Startup.InitializeModules();
            Interrupts.Initialize();
            Clock.Calibrate();
            Interrupts.Enable();
            Native.AppMain();
            Native.Exit(ExitCodes.Success);
        }

        // Three quarters of the largest free run, leaving the rest for device memory
        // (PhysicalMemory.AllocatePages), capped so a collection's sweep stays short.
        private static long DefaultHeapSize()
        {
            long size = (long)(PhysicalMemory.LargestFreeRange() / 4 * 3);
            return size > MaxDefaultHeap ? MaxDefaultHeap : size;
        }
    }
}
