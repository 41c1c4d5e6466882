using System.Runtime;

namespace Kernel.Runtime
{
    internal static unsafe class Entry
    {
        private const nint HeapSize = 32 * 1024 * 1024;

        [RuntimeExport("kmain")]
        private static void KMain(ulong bootInfo, uint magic)
        {
            nint heap = Native.HeapBase();
            Allocator.Initialize(heap, heap + HeapSize);
            Startup.InitializeModules();
            Native.AppMain();
            Native.Exit(ExitCodes.Success);
        }
    }
}
