namespace System.Collections.Generic
{
    // The same layout and free-list policy as Dictionary, without values.
    public class HashSet<T> : ISet<T>, IReadOnlySet<T>
    {
        private const int StartOfFreeList = -3;

        private int[] _buckets;
        private Entry[] _entries;
        private int _count;
        private int _freeList = -1;
        private int _freeCount;
        private int _version;
        // Null for the default comparer: then calls go through EqualityComparer<T>.Default, which the
        // compiler devirtualizes (and inlines) for value-type keys and which is a virtual call, not
        // an interface dispatch, for reference types.
        private readonly IEqualityComparer<T>? _comparer;

        private struct Entry
        {
            public uint HashCode;
            public int Next;
            public T Value;
        }

        public HashSet() : this((IEqualityComparer<T>?)null) { }

        public HashSet(IEqualityComparer<T>? comparer)
        {
            _comparer = comparer is null || ReferenceEquals(comparer, EqualityComparer<T>.Default) ? null : comparer;
            _buckets = new int[3];
            _entries = new Entry[3];
        }

        public HashSet(IEnumerable<T> collection) : this((IEqualityComparer<T>?)null)
        {
            foreach (T item in collection) Add(item);
        }

        public int Count => _count - _freeCount;

        bool ICollection<T>.IsReadOnly => false;

        public bool Add(T item)
        {
            uint hash = Hash(item);
            if (Find(item, hash) >= 0) return false;
            int index;
            if (_freeCount > 0)
            {
                index = _freeList;
                _freeList = StartOfFreeList - _entries[index].Next;
                _freeCount--;
            }
            else
            {
                if (_count == _entries.Length) Resize();
                index = _count++;
            }
            ref int bucket = ref _buckets[hash % (uint)_buckets.Length];
            ref Entry entry = ref _entries[index];
            entry.HashCode = hash;
            entry.Next = bucket - 1;
            entry.Value = item;
            bucket = index + 1;
            _version++;
            return true;
        }

        void ICollection<T>.Add(T item) => Add(item);

        public bool Contains(T item) => Find(item, Hash(item)) >= 0;

        public bool Remove(T item)
        {
            uint hash = Hash(item);
            ref int bucket = ref _buckets[hash % (uint)_buckets.Length];
            int last = -1;
            for (int i = bucket - 1; i >= 0; i = _entries[i].Next)
            {
                ref Entry entry = ref _entries[i];
                if (entry.HashCode != hash || !KeyEquals(entry.Value, item)) { last = i; continue; }
                if (last < 0) bucket = entry.Next + 1;
                else _entries[last].Next = entry.Next;
                entry.Next = StartOfFreeList - _freeList;
                entry.Value = default!;
                _freeList = i;
                _freeCount++;
                _version++;
                return true;
            }
            return false;
        }

        public void Clear()
        {
            if (_count == 0) return;
            Array.Clear(_buckets);
            Array.Clear(_entries, 0, _count);
            _count = 0;
            _freeList = -1;
            _freeCount = 0;
            _version++;
        }

        public void UnionWith(IEnumerable<T> other)
        {
            foreach (T item in other) Add(item);
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            for (int i = 0; i < _count; i++)
                if (_entries[i].Next >= -1) array[arrayIndex++] = _entries[i].Value;
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => new Enumerator(this);

        IEnumerator IEnumerable.GetEnumerator() => new Enumerator(this);

        private uint Hash(T item) => item is null ? 0 : (uint)KeyHash(item);

        private int Find(T item, uint hash)
        {
            for (int i = _buckets[hash % (uint)_buckets.Length] - 1; i >= 0; i = _entries[i].Next)
                if (_entries[i].HashCode == hash && KeyEquals(_entries[i].Value, item)) return i;
            return -1;
        }

        private void Resize()
        {
            int size = 2 * _entries.Length + 1;
            var entries = new Entry[size];
            Array.Copy(_entries, entries, _count);
            _buckets = new int[size];
            for (int i = 0; i < _count; i++)
            {
                if (entries[i].Next < -1) continue;
                ref int bucket = ref _buckets[entries[i].HashCode % (uint)size];
                entries[i].Next = bucket - 1;
                bucket = i + 1;
            }
            _entries = entries;
        }

        private int KeyHash(T key) => _comparer is null ? EqualityComparer<T>.Default.GetHashCode(key!) : _comparer.GetHashCode(key!);

        private bool KeyEquals(T a, T b) => _comparer is null ? EqualityComparer<T>.Default.Equals(a, b) : _comparer.Equals(a, b);

        public struct Enumerator : IEnumerator<T>
        {
            private readonly HashSet<T> _set;
            private readonly int _version;
            private int _index;
            private T? _current;

            internal Enumerator(HashSet<T> set)
            {
                _set = set;
                _version = set._version;
                _index = 0;
                _current = default;
            }

            public bool MoveNext()
            {
                if (_version != _set._version) List<T>.ThrowModified();
                while ((uint)_index < (uint)_set._count)
                {
                    ref Entry entry = ref _set._entries[_index++];
                    if (entry.Next >= -1)
                    {
                        _current = entry.Value;
                        return true;
                    }
                }
                _index = _set._count + 1;
                _current = default;
                return false;
            }

            public readonly T Current => _current!;

            readonly object? IEnumerator.Current => _current;

            void IEnumerator.Reset() { _index = 0; _current = default; }

            public readonly void Dispose() { }
        }
    }
}
