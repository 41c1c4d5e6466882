namespace Kernel.Runtime
{
    /// <summary>A snapshot of the managed heap.</summary>
    public readonly struct HeapStatistics
    {
        internal HeapStatistics(long size, long live, long liveAfterLast, long allocated, long collections, long lastPause, long maxPause, long totalPause, long markOverflows)
        {
            MarkStackOverflows = markOverflows;
            SizeBytes = size;
            LiveBytes = live;
            LiveBytesAfterLastCollection = liveAfterLast;
            AllocatedBytes = allocated;
            Collections = collections;
            LastPauseNanoseconds = lastPause;
            MaxPauseNanoseconds = maxPause;
            TotalPauseNanoseconds = totalPause;
        }

        /// <summary>Bytes the heap manages (set by heap= on the command line).</summary>
        public long SizeBytes { get; }

        /// <summary>Bytes in objects not yet proven dead: what survived the last collection plus what was allocated since.</summary>
        public long LiveBytes { get; }

        public long LiveBytesAfterLastCollection { get; }

        /// <summary>Bytes allocated since boot.</summary>
        public long AllocatedBytes { get; }

        public long Collections { get; }

        public long LastPauseNanoseconds { get; }

        public long MaxPauseNanoseconds { get; }

        public long TotalPauseNanoseconds { get; }

        /// <summary>Times marking ran out of mark stack and fell back to rescanning the heap (slow, still correct).</summary>
        public long MarkStackOverflows { get; }
    }

    /// <summary>The garbage-collected heap: statistics for programs, and an explicit collection.</summary>
    public static class Heap
    {
        public static HeapStatistics Statistics
        {
            get
            {
                ref GarbageCollector.Counters c = ref GarbageCollector.Stats;
                return new HeapStatistics(GarbageCollector.HeapSize, c.InUse, c.LiveAfterLast, c.AllocatedTotal,
                    c.Collections, c.LastPause, c.MaxPause, c.TotalPause, c.MarkOverflows);
            }
        }

        /// <summary>Collects now (programs normally never need to: allocation collects when the heap is full).</summary>
        public static void Collect() => Native.Collect();
    }
}
