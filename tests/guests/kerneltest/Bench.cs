using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace KernelTest
{
    // Figures for bench/kernel: collection pause with 4 MiB of live objects, and allocation rate.
    internal static class Bench
    {
        private sealed class Node
        {
            public Node? Next;
            public long A;
            public byte[]? Data;
        }

        internal static void Run()
        {
            // 4 MiB live: 32768 nodes of 128 bytes (node 40 + 88-byte array object).
            Node? head = null;
            for (int i = 0; i < 32768; i++) head = new Node { Next = head, A = i, Data = new byte[64] };
            Heap.Collect();
            long live = Heap.Statistics.LiveBytes;
            long[] pauses = new long[9];
            for (int i = 0; i < pauses.Length; i++)
            {
                Heap.Collect();
                pauses[i] = Heap.Statistics.LastPauseNanoseconds;
            }
            Sort(pauses);
            // Baseline in the same guest: one traversal of the same structure, touching every
            // object once, as the mark phase must. The ratio survives a loaded host better than
            // either figure alone.
            long[] walks = new long[9];
            long checksum = 0;
            for (int i = 0; i < walks.Length; i++)
            {
                long t0 = Clock.Nanoseconds;
                checksum += Walk(head);
                walks[i] = Clock.Nanoseconds - t0;
            }
            Sort(walks);
            Report.Figure("bench.walk_median", walks[walks.Length / 2] / 1000, "us");
            Report.Figure("bench.walk_checksum", checksum & 0xff, "");
            Report.Figure("bench.live", live / 1024, "KiB");
            Report.Figure("bench.gc_pause_median", pauses[pauses.Length / 2] / 1000, "us");
            Report.Figure("bench.gc_pause_min", pauses[0] / 1000, "us");

            const int Objects = 2_000_000;
            HeapStatistics before = Heap.Statistics;
            long start = Clock.Nanoseconds;
            long sink = Allocate(Objects);
            long elapsed = Clock.Nanoseconds - start;
            HeapStatistics after = Heap.Statistics;
            long bytes = after.AllocatedBytes - before.AllocatedBytes;
            Report.Figure("bench.alloc_objects_per_s", Objects * 1_000_000_000L / elapsed, "objects/s");
            Report.Figure("bench.alloc_mib_per_s", bytes * 1000 / elapsed * 1_000_000_000L / 1000 / (1024 * 1024), "MiB/s");
            Report.Figure("bench.alloc_collections", after.Collections - before.Collections, "");
            Report.Figure("bench.sink", sink & 1, "");
            Report.Check("bench.live-kept", Count(head) == 32768, "the 4 MiB structure was damaged");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static long Allocate(int count)
        {
            long sum = 0;
            for (int i = 0; i < count; i++)
            {
                var n = new Node { A = i };
                sum += n.A;
            }
            return sum;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static long Walk(Node? n)
        {
            long sum = 0;
            for (; n is not null; n = n.Next) sum += n.A + n.Data![0];
            return sum;
        }

        private static int Count(Node? n)
        {
            int c = 0;
            for (; n is not null; n = n.Next) c++;
            return c;
        }

        private static void Sort(long[] a)
        {
            for (int i = 1; i < a.Length; i++)
                for (int j = i; j > 0 && a[j - 1] > a[j]; j--)
                {
                    long t = a[j - 1];
                    a[j - 1] = a[j];
                    a[j] = t;
                }
        }
    }
}
