using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace Kernel.Runtime
{
    // Marking: conservative roots, precise tracing through GCDescs, and an explicit mark stack
    // that survives overflow by rescanning the heap for marked-but-unscanned objects.
    internal static unsafe partial class GarbageCollector
    {
        private static nint* s_markStack;
        private static int s_markCapacity, s_markCount;
        private static bool s_markOverflow;

        // gc.trace on the command line: print which root word keeps each object of 64 KiB or more
        // alive (conservative roots can retain memory; this says where from).
        private const int TraceRootMinimum = 64 * 1024;
        internal static bool s_traceRoots;

        private static void TraceRoot(nint where, nint value, nint obj)
        {
            SerialConsole.Write("gc.trace: root word at ");
            SerialConsole.WriteHex((ulong)where);
            SerialConsole.Write(" (");
            SerialConsole.Write(where >= Native.StackGuard() && where < Native.StackTop() ? "stack" : "static data");
            SerialConsole.Write(") = ");
            SerialConsole.WriteHex((ulong)value);
            SerialConsole.Write(" keeps ");
            SerialConsole.WriteDecimal((ulong)ObjectSize(obj));
            SerialConsole.WriteLine(" bytes alive");
        }

        private static void InitializeMarkStack(long heapSize)
        {
            // 256 KiB (32768 entries) at least, plus 8 KiB per MiB of heap: enough that tracing an
            // array of tens of thousands of references does not overflow into heap rescans.
            int pages = (int)(heapSize / (512 * 1024));
            if (pages < 64) pages = 64;
            s_markStack = (nint*)PhysicalMemory.AllocatePages(pages);
            s_markCapacity = pages * 4096 / sizeof(nint);
            // gc.markstack=N shrinks it to N entries, so tests can exercise overflow recovery.
            long requested = CommandLine.GetSize("gc.markstack", 0);
            if (requested > 0 && requested < s_markCapacity) s_markCapacity = requested < 16 ? 16 : (int)requested;
        }

        // Every aligned word in [low, high) that points into an allocated object keeps it alive.
        private static void MarkRange(nint low, nint high)
        {
            for (nint* w = (nint*)((low + 7) & ~(nint)7); w + 1 <= (nint*)high; w++)
            {
                nint value = *w;
                if (value < s_start || value >= s_end) continue;
                nint obj = FindObject(value);
                if (obj == 0) continue;
                if (s_traceRoots && !TestBit(s_markBits, obj) && ObjectSize(obj) >= TraceRootMinimum) TraceRoot((nint)w, value, obj);
                MarkAndPush(obj);
            }
        }

        // The allocated object containing `address`, or 0: the nearest object start at or below
        // it, if the object extends over it.
        private static nint FindObject(nint address)
        {
            nint index = (address - s_start) / Granule;
            nint word = index >> 6;
            ulong bits = s_startBits[word] & (ulong.MaxValue >> (63 - (int)(index & 63)));
            while (bits == 0)
            {
                if (--word < 0) return 0;
                bits = s_startBits[word];
            }
            nint start = s_start + ((word << 6) + HighestBit(bits)) * Granule;
            return address < start + ObjectSize(start) ? start : 0;
        }

        private static int HighestBit(ulong v)
        {
            int n = 0;
            if (v >= 1UL << 32) { v >>= 32; n += 32; }
            if (v >= 1UL << 16) { v >>= 16; n += 16; }
            if (v >= 1UL << 8) { v >>= 8; n += 8; }
            if (v >= 1UL << 4) { v >>= 4; n += 4; }
            if (v >= 1UL << 2) { v >>= 2; n += 2; }
            if (v >= 1UL << 1) n += 1;
            return n;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MarkAndPush(nint obj)
        {
            if (TestBit(s_markBits, obj)) return;
            SetBit(s_markBits, obj);
            if (!(*(MethodTable**)obj)->ContainsGCPointers) return;
            if (s_markCount == s_markCapacity) { s_markOverflow = true; return; }
            s_markStack[s_markCount++] = obj;
        }

        // A reference stored in an object field always points at an object's start.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MarkReference(nint value, nint from)
        {
            if (value < s_start || value >= s_end) return; // null, frozen or static data
            if ((value & (Granule - 1)) != 0 || !TestBit(s_startBits, value)) HeapCorruption(from, value);
            MarkAndPush(value);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HeapCorruption(nint from, nint value)
        {
            Panic.Begin();
            SerialConsole.Write("heap corruption: object ");
            SerialConsole.WriteHex((ulong)from);
            SerialConsole.Write(" refers to ");
            SerialConsole.WriteHex((ulong)value);
            SerialConsole.WriteLine(", which is not an allocated object");
            Native.Exit(ExitCodes.Panic);
        }

        private static void DrainMarkStack()
        {
            while (true)
            {
                while (s_markCount > 0) ScanObject(s_markStack[--s_markCount]);
                if (!s_markOverflow) return;
                // Some marked objects were not pushed: find them by walking the heap.
                s_markOverflow = false;
                s_stats->MarkOverflows++;
                for (nint p = s_start; p < s_end;)
                {
                    nint word = *(nint*)p;
                    if ((word & 1) != 0) { p += word & ~(nint)1; continue; }
                    nint size = ObjectSize(p);
                    if (TestBit(s_markBits, p)) ScanObject(p);
                    while (s_markCount > 0) ScanObject(s_markStack[--s_markCount]);
                    p += size;
                }
            }
        }

        // ILCompiler writes the GC layout just below the MethodTable: a pointer-sized series count
        // at mt-8, then the series going down. A positive count means {size, offset} series,
        // where a series covers (size + object size) bytes from offset; a negative count means
        // one repeating pattern for arrays of structs: {uint32 pointers, uint32 skip} items.
        private static void ScanObject(nint obj)
        {
            MethodTable* mt = *(MethodTable**)obj;
            if (!mt->ContainsGCPointers) return;
            nint size = (nint)mt->BaseSize;
            if (mt->HasComponentSize) size += (nint)(*(uint*)(obj + 8)) * mt->ComponentSize;
            nint* desc = (nint*)mt;
            nint series = desc[-1];
            if (series > 0)
            {
                for (nint i = 0; i < series; i++)
                {
                    nint seriesSize = desc[-3 - 2 * i];
                    nint offset = desc[-2 - 2 * i];
                    nint* slot = (nint*)(obj + offset);
                    nint* stop = (nint*)((byte*)slot + seriesSize + size);
                    for (; slot < stop; slot++) MarkReference(*slot, obj);
                }
            }
            else if (series < 0)
            {
                nint offset = desc[-2];
                uint* items = (uint*)(desc - 3); // item 0; item k sits 8*k bytes lower
                nint* slot = (nint*)(obj + offset);
                nint* end = (nint*)(obj + size - sizeof(nint));
                while (slot < end)
                {
                    for (nint k = 0; k > series; k--)
                    {
                        uint pointers = items[2 * k];
                        uint skip = items[2 * k + 1];
                        nint* runEnd = slot + pointers;
                        do { MarkReference(*slot, obj); slot++; } while (slot < runEnd);
                        slot = (nint*)((byte*)slot + skip);
                    }
                }
            }
        }
    }
}
