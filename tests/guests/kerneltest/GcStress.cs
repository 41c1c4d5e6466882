using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace KernelTest
{
    // Allocates gc.factor (default 100) times the heap (booted with a small heap=) in mixed sizes
    // while keeping a linked structure alive and rewriting part of it, then verifies every node.
    internal static class GcStress
    {
        private const int Nodes = 8_000;

        private sealed class Node
        {
            public Node? Next;
            public int Index;
            public int Generation;
            public byte[]? Payload;
            public string? Name;
        }

        internal static void Run()
        {
            long heapSize = Heap.Statistics.SizeBytes;
            long target = heapSize * CommandLine.GetSize("gc.factor", 100);
            var nodes = new Node[Nodes];
            Node? head = null;
            for (int i = Nodes - 1; i >= 0; i--) head = nodes[i] = NewNode(i, 0, head);
            HeapStatistics start = Heap.Statistics;
            long startNs = Clock.Nanoseconds;
            int generation = 0;
            long sink = 0;
            while (Heap.Statistics.AllocatedBytes - start.AllocatedBytes < target)
            {
                generation++;
                sink += Churn(generation);
                // Replace a slice of the live structure so survivors interleave with garbage.
                for (int k = 0; k < 64; k++)
                {
                    int i = (generation * 131 + k * 977) % Nodes;
                    Node replacement = NewNode(i, generation, nodes[i].Next);
                    if (i > 0) nodes[i - 1].Next = replacement;
                    else head = replacement;
                    nodes[i] = replacement;
                }
            }
            long elapsed = Clock.Nanoseconds - startNs;
            HeapStatistics end = Heap.Statistics;

            int count = 0;
            bool intact = true;
            for (Node? n = head; n is not null; n = n.Next, count++)
            {
                if (n.Index != count || n != nodes[count] || n.Payload is null || n.Payload.Length != 32 + n.Index % 64
                    || n.Payload[n.Payload.Length - 1] != (byte)(n.Index ^ n.Generation) || n.Name != Name(n.Index, n.Generation))
                {
                    intact = false;
                    break;
                }
            }
            long allocated = end.AllocatedBytes - start.AllocatedBytes;
            long collections = end.Collections - start.Collections;
            Report.Figure("gc.heap", heapSize / 1024, "KiB");
            Report.Figure("gc.allocated", allocated / (1024 * 1024), "MiB");
            Report.Figure("gc.heap_multiples", allocated / heapSize, "x");
            Report.Figure("gc.collections", collections, "");
            Report.Figure("gc.pause_max", end.MaxPauseNanoseconds / 1000, "us");
            Report.Figure("gc.pause_avg", collections == 0 ? 0 : (end.TotalPauseNanoseconds - start.TotalPauseNanoseconds) / collections / 1000, "us");
            Report.Figure("gc.live_after_last", end.LiveBytesAfterLastCollection / 1024, "KiB");
            Report.Figure("gc.mark_overflows", end.MarkStackOverflows - start.MarkStackOverflows, "");
            Report.Figure("gc.elapsed", elapsed / 1_000_000, "ms");
            Report.Figure("gc.sink", sink & 0xff, "");
            Report.Check("gc.stress.allocated-target", allocated >= target, "allocated " + Report.Number(allocated) + (" bytes of a target of " + Report.Number(target)));
            Report.Check("gc.stress.collected", collections >= allocated / heapSize / 2, "only " + Report.Number(collections) + " collections");
            Report.Check("gc.stress.structure-intact", intact && count == Nodes, "list broken at node " + Report.Number(count));
        }

        private static Node NewNode(int index, int generation, Node? next)
        {
            var payload = new byte[32 + index % 64];
            payload[payload.Length - 1] = (byte)(index ^ generation);
            return new Node { Index = index, Generation = generation, Payload = payload, Name = Name(index, generation), Next = next };
        }

        private static string Name(int index, int generation) => "n" + Report.Number(index) + "g" + Report.Number(generation);

        // Short-lived garbage of mixed shapes: small objects, strings, arrays up to 8 KiB.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static long Churn(int generation)
        {
            long sum = 0;
            object?[] batch = new object?[64];
            for (int i = 0; i < 512; i++)
            {
                int shape = (i + generation) % 4;
                object o = shape switch
                {
                    0 => new byte[16 + i % 200],
                    1 => new int[(i * 7) % 2048],
                    2 => new Pair { A = i, B = batch[i % 64] },
                    _ => (object)new long[4],
                };
                batch[i % 64] = o;
                sum += i;
            }
            return sum + batch.Length;
        }

        private sealed class Pair
        {
            public int A;
            public object? B;
        }
    }
}
