namespace Kernel.Net.Sockets
{
    /// <summary>
    /// Which byte ranges past the next expected sequence number have arrived out of order.
    /// Ranges are offsets from the receive point, kept sorted and merged; a fixed number of them
    /// bounds the bookkeeping (a segment that would need more is dropped and retransmitted).
    /// </summary>
    public sealed class Assembler
    {
        private const int MaxRanges = 16;
        private readonly int[] _start = new int[MaxRanges];
        private readonly int[] _end = new int[MaxRanges];
        private int _count;

        public int RangeCount => _count;

        public void Clear() => _count = 0;

        /// <summary>Records [offset, offset+length); false if that would need more ranges than we keep.</summary>
        public bool Add(int offset, int length)
        {
            if (length <= 0) return true;
            int start = offset, end = offset + length;
            int i = 0;
            while (i < _count && _end[i] < start) i++;
            int j = i;
            while (j < _count && _start[j] <= end)
            {
                if (_start[j] < start) start = _start[j];
                if (_end[j] > end) end = _end[j];
                j++;
            }
            int removed = j - i;
            if (removed == 0 && _count == MaxRanges) return false;
            int delta = 1 - removed;
            if (delta < 0)
            {
                for (int k = j; k < _count; k++) { _start[k + delta] = _start[k]; _end[k + delta] = _end[k]; }
            }
            else if (delta > 0)
            {
                for (int k = _count - 1; k >= j; k--) { _start[k + delta] = _start[k]; _end[k + delta] = _end[k]; }
            }
            _start[i] = start;
            _end[i] = end;
            _count += delta;
            return true;
        }

        /// <summary>Removes and returns the length of the range starting at offset 0 (0 if none),
        /// moving the receive point past it.</summary>
        public int TakeFront()
        {
            if (_count == 0 || _start[0] > 0) return 0;
            int n = _end[0];
            for (int k = 1; k < _count; k++) { _start[k - 1] = _start[k] - n; _end[k - 1] = _end[k] - n; }
            _count--;
            return n;
        }
    }
}
