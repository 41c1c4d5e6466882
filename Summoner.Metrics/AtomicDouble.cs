namespace Summoner.Metrics;

/// <summary>A double updated without locks: its bits live in a long so NaN cannot stall the compare-and-swap.</summary>
internal struct AtomicDouble
{
    private long _bits;

    public readonly double Value => BitConverter.Int64BitsToDouble(Volatile.Read(in _bits));

    public void Set(double value) => Interlocked.Exchange(ref _bits, BitConverter.DoubleToInt64Bits(value));

    public void Add(double delta)
    {
        long initial, computed;
        do
        {
            initial = Volatile.Read(ref _bits);
            computed = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(initial) + delta);
        }
        while (Interlocked.CompareExchange(ref _bits, computed, initial) != initial);
    }
}
