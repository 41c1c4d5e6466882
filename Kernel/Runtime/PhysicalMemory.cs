namespace Kernel.Runtime
{
    /// <summary>
    /// Physical pages from the boot memory map, handed out first-fit and never returned: device
    /// rings, packet buffers, the heap itself. Everything below 4 GiB is identity-mapped, so an
    /// address is both a pointer and a DMA address.
    /// </summary>
    public static unsafe class PhysicalMemory
    {
        public const int PageSize = 4096;
        private const int MaxRanges = 16;
        private const ulong MappedLimit = 0xFE00_0000; // the rest of the 4 GiB window is MMIO
        private const ulong FallbackTop = 64 * 1024 * 1024;

        private struct RangeTable
        {
            public fixed ulong Start[MaxRanges];
            public fixed ulong End[MaxRanges];
        }

        private static RangeTable s_ranges;
        private static int s_count;
        // Kept complemented: byte counts in .bss are scanned as possible references by the
        // collector, and a count near the top of RAM would look like a pointer into the heap.
        private static ulong s_totalComplement = ~0UL;
        private static ulong s_usedComplement = ~0UL;

        private static ulong s_total { get => ~s_totalComplement; set => s_totalComplement = ~value; }

        private static ulong s_used { get => ~s_usedComplement; set => s_usedComplement = ~value; }

        /// <summary>RAM the memory map reported as usable above the kernel image, in bytes.</summary>
        public static long TotalBytes => (long)s_total;

        /// <summary>Bytes not yet handed out.</summary>
        public static long FreeBytes => (long)(s_total - s_used);

        internal static void Initialize(ulong imageEnd)
        {
            int entries = BootInfo.MemoryMapEntries;
            for (int i = 0; i < entries; i++)
            {
                BootInfo.MemoryMapEntry(i, out ulong address, out ulong size, out uint type);
                if (type == BootInfo.RamType) AddRange(address, address + size, imageEnd);
            }
            if (s_count == 0)
            {
                // No map (not PVH, or a start_info older than version 1): assume a small guest.
                SerialConsole.WriteLine("kernel: no memory map in start_info; assuming 64 MiB of RAM");
                AddRange(0, FallbackTop, imageEnd);
            }
        }

        private static void AddRange(ulong start, ulong end, ulong imageEnd)
        {
            if (start < imageEnd) start = imageEnd;
            if (end > MappedLimit) end = MappedLimit;
            start = (start + PageSize - 1) & ~(ulong)(PageSize - 1);
            end &= ~(ulong)(PageSize - 1);
            if (end <= start || s_count == MaxRanges) return;
            s_ranges.Start[s_count] = start;
            s_ranges.End[s_count] = end;
            s_count++;
            s_total += end - start;
        }

        /// <summary>
        /// <paramref name="count"/> zeroed, contiguous, 4 KiB-aligned pages that are never moved
        /// or collected. Running out is a panic (there is no swap to fall back on).
        /// </summary>
        public static nint AllocatePages(int count)
        {
            if (count <= 0) Panic.Fail("PhysicalMemory.AllocatePages: count must be positive");
            nint p = Take((ulong)count * PageSize);
            Native.Zero(p, (nuint)count * PageSize);
            return p;
        }

        // Like AllocatePages but not zeroed (QEMU's RAM starts zeroed and the heap clears each
        // object itself, so the heap skips a pass over tens of MiB at boot).
        internal static nint Take(ulong bytes)
        {
            bytes = (bytes + PageSize - 1) & ~(ulong)(PageSize - 1);
            for (int i = 0; i < s_count; i++)
            {
                ulong start = s_ranges.Start[i];
                if (s_ranges.End[i] - start < bytes) continue;
                s_ranges.Start[i] = start + bytes;
                s_used += bytes;
                return (nint)start;
            }
            Panic.Fail("out of physical memory: give the VM more RAM (-m / <memory>) or a smaller heap= setting", ExitCodes.OutOfMemory);
            return 0;
        }

        // Carves from the top of the largest range. The heap goes there: conservative root scanning
        // mistakes integers for references, and small integers (sizes, counts) are far more common
        // than ones near the top of RAM.
        internal static nint TakeHigh(ulong bytes)
        {
            bytes = (bytes + PageSize - 1) & ~(ulong)(PageSize - 1);
            int best = -1;
            for (int i = 0; i < s_count; i++)
                if (s_ranges.End[i] - s_ranges.Start[i] >= bytes && (best < 0 || s_ranges.End[i] - s_ranges.Start[i] > s_ranges.End[best] - s_ranges.Start[best])) best = i;
            if (best < 0) return Take(bytes); // panics with the out-of-memory message
            s_ranges.End[best] -= bytes;
            s_used += bytes;
            return (nint)s_ranges.End[best];
        }

        /// <summary>Size of the largest contiguous run still free.</summary>
        internal static ulong LargestFreeRange()
        {
            ulong best = 0;
            for (int i = 0; i < s_count; i++)
            {
                ulong size = s_ranges.End[i] - s_ranges.Start[i];
                if (size > best) best = size;
            }
            return best;
        }
    }
}
