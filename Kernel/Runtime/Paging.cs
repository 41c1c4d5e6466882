namespace Kernel.Runtime
{
    // The boot stub maps the low 4 GiB with 2 MiB pages. Two 4 KiB holes matter: page 0, so a
    // null dereference faults instead of reading the real-mode IVT, and the page under the stack,
    // so an overflow faults instead of corrupting .bss. Unmapping one splits its 2 MiB page.
    internal static unsafe class Paging
    {
        private const ulong Present = 1, Writable = 2, LargePage = 0x80;
        private const ulong FlagsMask = 0xfff;

        internal static void Unmap(nint address)
        {
            ulong* pd = Native.PageDirectory();
            int pdIndex = (int)((ulong)address >> 21);
            ulong entry = pd[pdIndex];
            ulong* table;
            if ((entry & LargePage) != 0)
            {
                table = (ulong*)PhysicalMemory.AllocatePages(1);
                ulong baseAddress = entry & ~(ulong)0x1f_ffff;
                ulong flags = (entry & FlagsMask & ~LargePage) | Present | Writable;
                for (int i = 0; i < 512; i++) table[i] = baseAddress + ((ulong)i << 12) | flags;
                pd[pdIndex] = (ulong)table | Present | Writable;
            }
            else
            {
                table = (ulong*)(entry & ~FlagsMask);
            }
            table[((ulong)address >> 12) & 511] = 0;
            // The split changes translations for the whole 2 MiB: flush each page of it.
            ulong region = (ulong)address & ~(ulong)0x1f_ffff;
            for (ulong p = region; p < region + 0x20_0000; p += 4096) Native.InvalidatePage((nint)p);
        }
    }
}
