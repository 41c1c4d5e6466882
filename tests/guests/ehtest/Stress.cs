using System;
using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace EhTest
{
    // Throw/catch in a loop, each exception allocated with a small payload and unwound through a
    // finally two frames down, while the heap stays as full as it started.
    internal static class Stress
    {
        internal static void Run(int iterations)
        {
            GC.Collect();
            HeapStatistics before = Heap.Statistics;
            Print("before", before);
            long started = Clock.Nanoseconds;
            long caught = 0, finallies = 0, checksum = 0;
            for (int i = 0; i < iterations; i++)
            {
                try
                {
                    Throw(i, ref finallies);
                }
                catch (Checks.StressPayloadException e)
                {
                    caught++;
                    checksum += e.Payload[e.Payload.Length - 1];
                }
            }
            long elapsed = Clock.Nanoseconds - started;
            GC.Collect();
            HeapStatistics after = Heap.Statistics;
            Print("after", after);
            SerialConsole.WriteLine("stress: iterations=" + iterations + " caught=" + caught + " finallies=" + finallies + " checksum=" + checksum);
            SerialConsole.WriteLine("stress: " + (elapsed / 1000000) + " ms, " + (iterations == 0 ? 0 : elapsed / iterations) + " ns per throw/catch, collections=" + (after.Collections - before.Collections));
            SerialConsole.WriteLine("stress: live growth=" + (after.LiveBytes - before.LiveBytes) + " bytes");
        }

        private static void Print(string when, HeapStatistics s)
        {
            SerialConsole.WriteLine("heap " + when + ": size=" + s.SizeBytes + " live=" + s.LiveBytes + " allocated=" + s.AllocatedBytes + " collections=" + s.Collections);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Throw(int i, ref long finallies)
        {
            try
            {
                Inner(i);
            }
            finally
            {
                finallies++;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Inner(int i)
        {
            var payload = new int[8 + (i & 15)];
            payload[payload.Length - 1] = i & 7;
            throw new Checks.StressPayloadException(payload);
        }
    }
}
