namespace System.Threading
{
    // One CPU and one thread: entering never waits, but ownership and recursion are tracked so
    // Exit without Enter fails as on .NET (SynchronizationLockException).
    public static class Monitor
    {
        private static object?[] s_held = new object?[8];
        private static int[] s_counts = new int[8];

        public static void Enter(object obj)
        {
            if (obj is null) throw new ArgumentNullException(nameof(obj));
            int slot = Find(obj);
            if (slot < 0) slot = Claim(obj);
            s_counts[slot]++;
        }

        public static void Enter(object obj, ref bool lockTaken)
        {
            if (lockTaken) throw new ArgumentException("The lockTaken argument must be set to false before calling this method.", nameof(lockTaken));
            Enter(obj);
            lockTaken = true;
        }

        public static bool TryEnter(object obj)
        {
            Enter(obj);
            return true;
        }

        public static void TryEnter(object obj, ref bool lockTaken) => Enter(obj, ref lockTaken);

        public static bool TryEnter(object obj, int millisecondsTimeout) => TryEnter(obj);

        public static void Exit(object obj)
        {
            if (obj is null) throw new ArgumentNullException(nameof(obj));
            int slot = Find(obj);
            if (slot < 0) throw new SynchronizationLockException();
            if (--s_counts[slot] == 0) s_held[slot] = null;
        }

        public static bool IsEntered(object obj)
        {
            if (obj is null) throw new ArgumentNullException(nameof(obj));
            return Find(obj) >= 0;
        }

        // Waiting for a pulse would deadlock a single thread; Pulse with nobody waiting is a no-op.
        public static void Pulse(object obj)
        {
            if (!IsEntered(obj)) throw new SynchronizationLockException();
        }

        public static void PulseAll(object obj) => Pulse(obj);

        private static int Find(object obj)
        {
            for (int i = 0; i < s_held.Length; i++)
                if (ReferenceEquals(s_held[i], obj)) return i;
            return -1;
        }

        private static int Claim(object obj)
        {
            for (int i = 0; i < s_held.Length; i++)
            {
                if (s_held[i] is not null) continue;
                s_held[i] = obj;
                s_counts[i] = 0;
                return i;
            }
            int slot = s_held.Length;
            Array.Resize(ref s_held, slot * 2);
            Array.Resize(ref s_counts, slot * 2);
            s_held[slot] = obj;
            return slot;
        }
    }

    // C# 13 `lock (Lock)` lowers to EnterScope/Dispose.
    public sealed class Lock
    {
        private int _count;

        public void Enter() => _count++;

        public bool TryEnter()
        {
            _count++;
            return true;
        }

        public void Exit()
        {
            if (_count == 0) throw new SynchronizationLockException();
            _count--;
        }

        public bool IsHeldByCurrentThread => _count != 0;

        public Scope EnterScope()
        {
            _count++;
            return new Scope(this);
        }

        public ref struct Scope
        {
            private Lock? _lock;

            internal Scope(Lock owner) { _lock = owner; }

            public void Dispose()
            {
                Lock? owner = _lock;
                if (owner is null) return;
                _lock = null;
                owner.Exit();
            }
        }
    }

    // Single CPU, no preemption of managed code between these plain operations.
    public static class Interlocked
    {
        public static int Increment(ref int location) => ++location;
        public static long Increment(ref long location) => ++location;
        public static int Decrement(ref int location) => --location;
        public static long Decrement(ref long location) => --location;
        public static int Add(ref int location, int value) => location += value;
        public static long Add(ref long location, long value) => location += value;

        public static int Exchange(ref int location, int value)
        {
            int old = location;
            location = value;
            return old;
        }

        public static long Exchange(ref long location, long value)
        {
            long old = location;
            location = value;
            return old;
        }

        public static T Exchange<T>(ref T location, T value) where T : class?
        {
            T old = location;
            location = value;
            return old;
        }

        public static int CompareExchange(ref int location, int value, int comparand)
        {
            int old = location;
            if (old == comparand) location = value;
            return old;
        }

        public static long CompareExchange(ref long location, long value, long comparand)
        {
            long old = location;
            if (old == comparand) location = value;
            return old;
        }

        public static T CompareExchange<T>(ref T location, T value, T comparand) where T : class?
        {
            T old = location;
            if (ReferenceEquals(old, comparand)) location = value;
            return old;
        }
    }
}
