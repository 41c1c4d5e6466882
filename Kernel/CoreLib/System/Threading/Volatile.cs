namespace System.Threading
{
    // One CPU and no preemption of managed code between these accesses: plain loads and stores
    // (the compiler still keeps them, since they are calls).
    public static class Volatile
    {
        public static int Read(ref readonly int location) => location;
        public static long Read(ref readonly long location) => location;
        public static bool Read(ref readonly bool location) => location;
        public static T Read<T>(ref readonly T location) where T : class? => location;
        public static void Write(ref int location, int value) => location = value;
        public static void Write(ref long location, long value) => location = value;
        public static void Write(ref bool location, bool value) => location = value;
        public static void Write<T>(ref T location, T value) where T : class? => location = value;
    }
}

namespace System.Buffers
{
    public delegate void SpanAction<T, in TArg>(Span<T> span, TArg arg);

    public delegate void ReadOnlySpanAction<T, in TArg>(ReadOnlySpan<T> span, TArg arg);
}
