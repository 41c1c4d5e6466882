namespace System.Collections.Generic
{
    // Separate chaining over an entry array, with .NET's free-list policy (the most recently removed
    // slot is reused first) so enumeration order matches .NET for the same sequence of operations.
    public class Dictionary<TKey, TValue> : IDictionary<TKey, TValue>, IReadOnlyDictionary<TKey, TValue> where TKey : notnull
    {
        private const int StartOfFreeList = -3;

        private int[] _buckets;          // 1-based index into _entries; 0 = empty
        private Entry[] _entries;
        private int _count;
        private int _freeList = -1;
        private int _freeCount;
        private int _version;
        // Null for the default comparer: then calls go through EqualityComparer<TKey>.Default, which the
        // compiler devirtualizes (and inlines) for value-type keys and which is a virtual call, not
        // an interface dispatch, for reference types.
        private readonly IEqualityComparer<TKey>? _comparer;

        private struct Entry
        {
            public uint HashCode;
            public int Next;             // >= -1: in use (-1 ends the chain); < -1: on the free list
            public TKey Key;
            public TValue Value;
        }

        public Dictionary() : this(0, null) { }

        public Dictionary(int capacity) : this(capacity, null) { }

        public Dictionary(IEqualityComparer<TKey>? comparer) : this(0, comparer) { }

        public Dictionary(int capacity, IEqualityComparer<TKey>? comparer)
        {
            if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "Non-negative number required.");
            _comparer = comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default) ? null : comparer;
            int size = capacity < 3 ? 3 : capacity;
            _buckets = new int[size];
            _entries = new Entry[size];
        }

        public Dictionary(IEnumerable<KeyValuePair<TKey, TValue>> collection) : this(0, null)
        {
            foreach (KeyValuePair<TKey, TValue> pair in collection) Add(pair.Key, pair.Value);
        }

        public int Count => _count - _freeCount;

        public IEqualityComparer<TKey> Comparer => _comparer ?? EqualityComparer<TKey>.Default;

        bool ICollection<KeyValuePair<TKey, TValue>>.IsReadOnly => false;

        public KeyCollection Keys => new KeyCollection(this);

        public ValueCollection Values => new ValueCollection(this);

        public TValue this[TKey key]
        {
            get
            {
                int i = FindEntry(key);
                if (i < 0) throw new KeyNotFoundException("The given key '" + key.ToString() + "' was not present in the dictionary.");
                return _entries[i].Value;
            }
            set => Insert(key, value, overwrite: true);
        }

        public void Add(TKey key, TValue value) => Insert(key, value, overwrite: false);

        public bool TryAdd(TKey key, TValue value)
        {
            if (FindEntry(key) >= 0) return false;
            Insert(key, value, overwrite: false);
            return true;
        }

        void ICollection<KeyValuePair<TKey, TValue>>.Add(KeyValuePair<TKey, TValue> item) => Add(item.Key, item.Value);

        public bool ContainsKey(TKey key) => FindEntry(key) >= 0;

        public bool ContainsValue(TValue value)
        {
            EqualityComparer<TValue> comparer = EqualityComparer<TValue>.Default;
            for (int i = 0; i < _count; i++)
                if (_entries[i].Next >= -1 && comparer.Equals(_entries[i].Value, value)) return true;
            return false;
        }

        bool ICollection<KeyValuePair<TKey, TValue>>.Contains(KeyValuePair<TKey, TValue> item)
        {
            int i = FindEntry(item.Key);
            return i >= 0 && EqualityComparer<TValue>.Default.Equals(_entries[i].Value, item.Value);
        }

        public bool TryGetValue(TKey key, [Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value)
        {
            int i = FindEntry(key);
            if (i < 0) { value = default; return false; }
            value = _entries[i].Value;
            return true;
        }

        public bool Remove(TKey key) => Remove(key, out _);

        public bool Remove(TKey key, [Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value)
        {
            if (key is null) throw new ArgumentNullException(nameof(key));
            uint hash = (uint)KeyHash(key);
            ref int bucket = ref _buckets[hash % (uint)_buckets.Length];
            int last = -1;
            int i = bucket - 1;
            while (i >= 0)
            {
                ref Entry entry = ref _entries[i];
                if (entry.HashCode == hash && KeyEquals(entry.Key, key))
                {
                    if (last < 0) bucket = entry.Next + 1;
                    else _entries[last].Next = entry.Next;
                    value = entry.Value;
                    entry.Next = StartOfFreeList - _freeList;
                    entry.Key = default!;
                    entry.Value = default!;
                    _freeList = i;
                    _freeCount++;
                    _version++;
                    return true;
                }
                last = i;
                i = entry.Next;
            }
            value = default;
            return false;
        }

        bool ICollection<KeyValuePair<TKey, TValue>>.Remove(KeyValuePair<TKey, TValue> item)
        {
            int i = FindEntry(item.Key);
            if (i < 0 || !EqualityComparer<TValue>.Default.Equals(_entries[i].Value, item.Value)) return false;
            return Remove(item.Key);
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

        public void CopyTo(KeyValuePair<TKey, TValue>[] array, int arrayIndex)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            if ((uint)arrayIndex > (uint)array.Length || array.Length - arrayIndex < Count)
                throw new ArgumentException("Destination array is not long enough to copy all the items in the collection. Check array index and length.");
            for (int i = 0; i < _count; i++)
                if (_entries[i].Next >= -1) array[arrayIndex++] = new KeyValuePair<TKey, TValue>(_entries[i].Key, _entries[i].Value);
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<KeyValuePair<TKey, TValue>> IEnumerable<KeyValuePair<TKey, TValue>>.GetEnumerator() => new Enumerator(this);

        IEnumerator IEnumerable.GetEnumerator() => new Enumerator(this);

        private int FindEntry(TKey key)
        {
            if (key is null) throw new ArgumentNullException(nameof(key));
            uint hash = (uint)KeyHash(key);
            int i = _buckets[hash % (uint)_buckets.Length] - 1;
            while (i >= 0)
            {
                ref Entry entry = ref _entries[i];
                if (entry.HashCode == hash && KeyEquals(entry.Key, key)) return i;
                i = entry.Next;
            }
            return -1;
        }

        private void Insert(TKey key, TValue value, bool overwrite)
        {
            if (key is null) throw new ArgumentNullException(nameof(key));
            uint hash = (uint)KeyHash(key);
            for (int i = _buckets[hash % (uint)_buckets.Length] - 1; i >= 0; i = _entries[i].Next)
            {
                ref Entry existing = ref _entries[i];
                if (existing.HashCode != hash || !KeyEquals(existing.Key, key)) continue;
                if (!overwrite) throw new ArgumentException("An item with the same key has already been added. Key: " + key.ToString());
                existing.Value = value;
                _version++;
                return;
            }

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
            entry.Key = key;
            entry.Value = value;
            bucket = index + 1;
            _version++;
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

        private int KeyHash(TKey key) => _comparer is null ? EqualityComparer<TKey>.Default.GetHashCode(key!) : _comparer.GetHashCode(key!);

        private bool KeyEquals(TKey a, TKey b) => _comparer is null ? EqualityComparer<TKey>.Default.Equals(a, b) : _comparer.Equals(a, b);

        public struct Enumerator : IEnumerator<KeyValuePair<TKey, TValue>>
        {
            private readonly Dictionary<TKey, TValue> _dictionary;
            private readonly int _version;
            private int _index;
            private KeyValuePair<TKey, TValue> _current;

            internal Enumerator(Dictionary<TKey, TValue> dictionary)
            {
                _dictionary = dictionary;
                _version = dictionary._version;
                _index = 0;
                _current = default;
            }

            public bool MoveNext()
            {
                if (_version != _dictionary._version) List<TKey>.ThrowModified();
                while ((uint)_index < (uint)_dictionary._count)
                {
                    ref Entry entry = ref _dictionary._entries[_index++];
                    if (entry.Next >= -1)
                    {
                        _current = new KeyValuePair<TKey, TValue>(entry.Key, entry.Value);
                        return true;
                    }
                }
                _index = _dictionary._count + 1;
                _current = default;
                return false;
            }

            public readonly KeyValuePair<TKey, TValue> Current => _current;

            readonly object? IEnumerator.Current => _current;

            void IEnumerator.Reset() { _index = 0; _current = default; }

            public readonly void Dispose() { }
        }

        public sealed class KeyCollection : IReadOnlyCollection<TKey>
        {
            private readonly Dictionary<TKey, TValue> _dictionary;

            internal KeyCollection(Dictionary<TKey, TValue> dictionary) { _dictionary = dictionary; }

            public int Count => _dictionary.Count;

            public Enumerator GetEnumerator() => new Enumerator(_dictionary);

            IEnumerator<TKey> IEnumerable<TKey>.GetEnumerator() => new Enumerator(_dictionary);

            IEnumerator IEnumerable.GetEnumerator() => new Enumerator(_dictionary);

            public struct Enumerator : IEnumerator<TKey>
            {
                private Dictionary<TKey, TValue>.Enumerator _inner;

                internal Enumerator(Dictionary<TKey, TValue> dictionary) { _inner = new Dictionary<TKey, TValue>.Enumerator(dictionary); }

                public bool MoveNext() => _inner.MoveNext();

                public readonly TKey Current => _inner.Current.Key;

                readonly object? IEnumerator.Current => Current;

                void IEnumerator.Reset() => ((IEnumerator)_inner).Reset();

                public readonly void Dispose() { }
            }
        }

        public sealed class ValueCollection : IReadOnlyCollection<TValue>
        {
            private readonly Dictionary<TKey, TValue> _dictionary;

            internal ValueCollection(Dictionary<TKey, TValue> dictionary) { _dictionary = dictionary; }

            public int Count => _dictionary.Count;

            public Enumerator GetEnumerator() => new Enumerator(_dictionary);

            IEnumerator<TValue> IEnumerable<TValue>.GetEnumerator() => new Enumerator(_dictionary);

            IEnumerator IEnumerable.GetEnumerator() => new Enumerator(_dictionary);

            public struct Enumerator : IEnumerator<TValue>
            {
                private Dictionary<TKey, TValue>.Enumerator _inner;

                internal Enumerator(Dictionary<TKey, TValue> dictionary) { _inner = new Dictionary<TKey, TValue>.Enumerator(dictionary); }

                public bool MoveNext() => _inner.MoveNext();

                public readonly TValue Current => _inner.Current.Value;

                readonly object? IEnumerator.Current => Current;

                void IEnumerator.Reset() => ((IEnumerator)_inner).Reset();

                public readonly void Dispose() { }
            }
        }
    }

    public static class CollectionExtensions
    {
        public static TValue? GetValueOrDefault<TKey, TValue>(this IReadOnlyDictionary<TKey, TValue> dictionary, TKey key)
            => dictionary.TryGetValue(key, out TValue? value) ? value : default;

        public static TValue GetValueOrDefault<TKey, TValue>(this IReadOnlyDictionary<TKey, TValue> dictionary, TKey key, TValue defaultValue)
            => dictionary.TryGetValue(key, out TValue? value) ? value : defaultValue;
    }
}
