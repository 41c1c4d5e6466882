using System.Runtime;
using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace Kernel.Runtime
{
    // A non-moving mark-sweep collector over one contiguous heap.
    //
    // Heap format: the heap is always a sequence of blocks that can be walked from its start.
    // An allocated object starts with its MethodTable pointer (8-aligned) and its size follows
    // from the MethodTable; a free block starts with (size | 1) and, if at least 16 bytes, a
    // free-list link. A side bitmap marks where allocated objects start (1 bit per 8 bytes), so a
    // conservative root (any word on the stack or in static data, possibly pointing inside an
    // object) can be resolved to the object that contains it; a second bitmap holds mark bits.
    //
    // Allocation: objects up to 256 bytes come from exact-size free lists, else from 32 KiB bump
    // chunks cut from the lowest free block; larger objects are carved from the end of the
    // highest free block that fits. When nothing fits: collect, retry, and panic (out of memory)
    // if still nothing fits. Sweeping works on the bitmaps, so it costs per live object.
    //
    // Marking: roots are scanned conservatively (stack, callee-saved registers spilled by
    // kern_collect, .data with the GC static bases and frozen objects, .bss); objects are traced
    // precisely from the GCDesc that ILCompiler emits in front of each MethodTable.
    internal static unsafe partial class GarbageCollector
    {
        private const int Granule = 8;
        private const int SmallLimit = 256;
        private const int SmallClasses = SmallLimit / Granule + 1;
        private const int BumpChunk = 32 * 1024;

        private struct FreeListTable
        {
            public fixed long Heads[SmallClasses];
        }

        // Index of a single set bit: (bit * DeBruijn64) >> 58 is distinct for each of the 64 bits.
        private const ulong DeBruijn64 = 0x03f79d71b4ca8b09;

        private struct BitIndexTable
        {
            public fixed byte Index[64];
        }

        private static BitIndexTable s_bitIndex;

        private static nint s_start, s_end;
        private static ulong* s_startBits;
        private static ulong* s_markBits;
        private static FreeListTable s_small;
        private static nint s_large;
        private static nint s_bump, s_bumpEnd;

        // Statistics live outside .bss: the collector scans .bss for references, and a byte count
        // that happens to equal a heap address would keep an object alive.
        internal struct Counters
        {
            public long InUse, AllocatedTotal, Collections, LastPause, MaxPause, TotalPause, LiveAfterLast, MarkOverflows;
        }

        private static Counters* s_stats;

        internal static ref Counters Stats => ref *s_stats;
        private static bool s_collecting;

        internal static long HeapSize => s_end - s_start;

        internal static void Initialize(long size)
        {
            size &= ~(long)(PhysicalMemory.PageSize - 1);
            if (size < 1 << 20) Panic.Fail("heap too small: give the guest at least heap=1M");
            long bitmapBytes = size / Granule / 8;
            s_start = PhysicalMemory.TakeHigh((ulong)size);
            s_stats = (Counters*)PhysicalMemory.AllocatePages(1);
            s_end = s_start + (nint)size;
            s_startBits = (ulong*)PhysicalMemory.AllocatePages((int)((bitmapBytes + 4095) / 4096));
            s_markBits = (ulong*)PhysicalMemory.AllocatePages((int)((bitmapBytes + 4095) / 4096));
            InitializeMarkStack(size);
            AddFree(s_start, (nint)size);
            for (int i = 0; i < 64; i++) s_bitIndex.Index[((1UL << i) * DeBruijn64) >> 58] = (byte)i;
        }

        internal static nint Allocate(MethodTable* type, nuint size)
        {
            if (size > (nuint)(s_end - s_start)) OutOfMemory(size);
            nint n = (nint)((size + Granule - 1) & ~(nuint)(Granule - 1));
            if (n < 2 * Granule) n = 2 * Granule;
            if (Interrupts.InHandler) Panic.Fail("allocation in an interrupt handler: handlers must only set a flag or acknowledge the device; allocate in a timer callback or the event loop instead");
            nint p = TryAllocate(n);
            if (p == 0)
            {
                if (s_collecting) Panic.Fail("allocation during garbage collection");
                Native.Collect();
                p = TryAllocate(n);
                if (p == 0) OutOfMemory(size);
            }
            if (n <= 64)
            {
                // Most objects are small: plain stores beat a call into rep stosq.
                for (nint i = 8; i < n; i += 8) *(long*)(p + i) = 0;
            }
            else
            {
                Native.Zero(p, (nuint)n);
            }
            *(MethodTable**)p = type;
            SetBit(s_startBits, p);
            s_stats->InUse += n;
            s_stats->AllocatedTotal += n;
            return p;
        }

        private static void OutOfMemory(nuint size)
        {
            Panic.Begin();
            SerialConsole.Write("out of memory: an allocation of ");
            SerialConsole.WriteDecimal(size);
            SerialConsole.Write(" bytes does not fit in the ");
            SerialConsole.WriteDecimal((ulong)HeapSize);
            SerialConsole.Write("-byte heap (");
            SerialConsole.WriteDecimal((ulong)s_stats->InUse);
            SerialConsole.Write(" bytes live after collection ");
            SerialConsole.WriteDecimal((ulong)s_stats->Collections);
            SerialConsole.WriteLine("); raise heap= on the kernel command line or the VM's memory");
            Panic.Backtrace(Native.FramePointer(), 0);
            Native.Exit(ExitCodes.OutOfMemory);
        }

        // Small objects come from exact-size free lists, else from a bump region taken from the
        // lowest-addressed free block; larger ones are carved from the end of the highest-addressed
        // block that fits. Long-lived small objects thus gather low and big short-lived arrays
        // high, which keeps a non-moving heap from fragmenting into gaps no array fits in.
        private static nint TryAllocate(nint n)
        {
            if (n > SmallLimit) return AllocateLarge(n);
            nint head = (nint)s_small.Heads[n / Granule];
            if (head != 0)
            {
                s_small.Heads[n / Granule] = *(long*)(head + 8);
                return head;
            }
            if (s_bumpEnd - s_bump < n && !RefillBump(n)) return 0;
            nint p = s_bump;
            s_bump += n;
            return p;
        }

        // The large list is in descending address order (the sweep pushes blocks in ascending
        // order), so its last fitting block is the lowest-addressed one.
        private static bool RefillBump(nint n)
        {
            nint found = 0, foundPrevious = 0, previous = 0;
            for (nint b = s_large; b != 0; previous = b, b = *(nint*)(b + 8))
            {
                if ((*(nint*)b & ~(nint)1) < n) continue;
                found = b;
                foundPrevious = previous;
            }
            if (found == 0) return false;
            // Take a chunk off the block's start, not the whole block: the rest must stay
            // available to large allocations, or they would force a collection each time.
            nint size = *(nint*)found & ~(nint)1;
            nint take = n > BumpChunk ? n : BumpChunk;
            nint next = *(nint*)(found + 8);
            if (size - take > SmallLimit)
            {
                nint rest = found + take;
                *(nint*)rest = (size - take) | 1;
                *(nint*)(rest + 8) = next;
                if (foundPrevious == 0) s_large = rest;
                else *(nint*)(foundPrevious + 8) = rest;
            }
            else
            {
                take = size;
                Unlink(found, foundPrevious);
            }
            RetireBump();
            s_bump = found;
            s_bumpEnd = found + take;
            return true;
        }

        private static nint AllocateLarge(nint n)
        {
            nint previous = 0;
            for (nint b = s_large; b != 0; previous = b, b = *(nint*)(b + 8))
            {
                nint size = *(nint*)b & ~(nint)1;
                if (size < n) continue;
                nint rest = size - n;
                if (rest > SmallLimit)
                {
                    *(nint*)b = rest | 1; // stays on the list, in place
                }
                else
                {
                    Unlink(b, previous);
                    if (rest > 0) AddFree(b, rest);
                }
                return b + rest;
            }
            return 0;
        }

        private static void Unlink(nint block, nint previous)
        {
            if (previous == 0) s_large = *(nint*)(block + 8);
            else *(nint*)(previous + 8) = *(nint*)(block + 8);
        }

        private static void RetireBump()
        {
            if (s_bumpEnd > s_bump) AddFree(s_bump, s_bumpEnd - s_bump);
            s_bump = s_bumpEnd = 0;
        }

        private static void AddFree(nint block, nint size)
        {
            *(nint*)block = size | 1;
            if (size < 2 * Granule) return; // an 8-byte gap: walkable, never reused until coalesced
            if (size <= SmallLimit)
            {
                *(long*)(block + 8) = s_small.Heads[size / Granule];
                s_small.Heads[size / Granule] = block;
            }
            else
            {
                *(nint*)(block + 8) = s_large;
                s_large = block;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static nint ObjectSize(nint obj)
        {
            MethodTable* mt = *(MethodTable**)obj;
            nuint size = mt->BaseSize;
            if (mt->HasComponentSize) size += (nuint)(*(uint*)(obj + 8)) * mt->ComponentSize;
            nint n = (nint)((size + Granule - 1) & ~(nuint)(Granule - 1));
            return n < 2 * Granule ? 2 * Granule : n;
        }

        [RuntimeExport("kern_collect_managed")]
        private static void CollectFrom(nint stackLow)
        {
            if (s_collecting) Panic.Fail("garbage collection re-entered");
            s_collecting = true;
            long started = Clock.Nanoseconds;
            RetireBump();
            MarkRange(stackLow, Native.StackTop());
            MarkRange(Native.DataStart(), Native.DataEnd());
            MarkRange(Native.BssStart(), Native.BssEnd());
            DrainMarkStack();
            long marked = Clock.Nanoseconds;
            Sweep();
            long pause = Clock.Nanoseconds - started;
            if (s_traceRoots) TraceCollection(marked - started, pause - (marked - started));
            s_stats->Collections++;
            s_stats->LastPause = pause;
            s_stats->TotalPause += pause;
            if (pause > s_stats->MaxPause) s_stats->MaxPause = pause;
            s_stats->LiveAfterLast = s_stats->InUse;
            s_collecting = false;
        }

        private static void TraceCollection(long markNs, long sweepNs)
        {
            SerialConsole.Write("gc.trace: collection ");
            SerialConsole.WriteDecimal((ulong)s_stats->Collections + 1);
            SerialConsole.Write(": mark ");
            SerialConsole.WriteDecimal((ulong)markNs / 1000);
            SerialConsole.Write(" us, sweep ");
            SerialConsole.WriteDecimal((ulong)sweepNs / 1000);
            SerialConsole.Write(" us, live ");
            SerialConsole.WriteDecimal((ulong)s_stats->InUse);
            SerialConsole.WriteLine(" bytes");
        }

        // Works on the bitmaps, so its cost follows the live objects, not the dead ones: dead
        // object starts are dropped in one pass over the start bitmap, then the gaps between
        // consecutive marked objects become the new free blocks (coalesced by construction).
        private static void Sweep()
        {
            for (int i = 0; i < SmallClasses; i++) s_small.Heads[i] = 0;
            s_large = 0;
            nint words = (s_end - s_start) / Granule / 64;
            for (nint w = 0; w < words; w++) s_startBits[w] &= s_markBits[w];
            long live = 0;
            nint cursor = s_start; // end of the last live object
            for (nint w = 0; w < words; w++)
            {
                ulong bits = s_markBits[w];
                while (bits != 0)
                {
                    ulong lowest = bits & (~bits + 1);
                    bits ^= lowest;
                    nint obj = s_start + ((w << 6) + s_bitIndex.Index[(lowest * DeBruijn64) >> 58]) * Granule;
                    if (obj > cursor) AddFree(cursor, obj - cursor);
                    nint size = ObjectSize(obj);
                    live += size;
                    cursor = obj + size;
                }
            }
            if (cursor < s_end) AddFree(cursor, s_end - cursor);
            Native.Zero((nint)s_markBits, (nuint)(words * 8));
            s_stats->InUse = live;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool TestBit(ulong* bits, nint address)
        {
            nuint index = (nuint)(address - s_start) >> 3;
            return (bits[index >> 6] & (1UL << (int)(index & 63))) != 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void SetBit(ulong* bits, nint address)
        {
            nuint index = (nuint)(address - s_start) >> 3;
            bits[index >> 6] |= 1UL << (int)(index & 63);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ClearBit(ulong* bits, nint address)
        {
            nuint index = (nuint)(address - s_start) >> 3;
            bits[index >> 6] &= ~(1UL << (int)(index & 63));
        }
    }
}
