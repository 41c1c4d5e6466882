namespace System.Collections.Generic
{
    public class List<T> : IList<T>, IReadOnlyList<T>
    {
        private T[] _items;
        private int _size;
        private int _version;

        public List() { _items = Array.Empty<T>(); }

        public List(int capacity)
        {
            if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "Non-negative number required.");
            _items = capacity == 0 ? Array.Empty<T>() : new T[capacity];
        }

        public List(IEnumerable<T> collection)
        {
            if (collection is null) throw new ArgumentNullException(nameof(collection));
            _items = Array.Empty<T>();
            AddRange(collection);
        }

        public int Count => _size;

        public int Capacity
        {
            get => _items.Length;
            set
            {
                if (value < _size) throw new ArgumentOutOfRangeException(nameof(value), "capacity was less than the current size.");
                if (value == _items.Length) return;
                T[] items = value == 0 ? Array.Empty<T>() : new T[value];
                Array.Copy(_items, items, _size);
                _items = items;
            }
        }

        bool ICollection<T>.IsReadOnly => false;

        public T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_size) ThrowIndex();
                return _items[index];
            }
            set
            {
                if ((uint)index >= (uint)_size) ThrowIndex();
                _items[index] = value;
                _version++;
            }
        }

        public void Add(T item)
        {
            _version++;
            if (_size == _items.Length) Grow(_size + 1);
            _items[_size++] = item;
        }

        public void AddRange(IEnumerable<T> collection)
        {
            if (collection is null) throw new ArgumentNullException(nameof(collection));
            foreach (T item in collection) Add(item);
        }

        public void Insert(int index, T item)
        {
            if ((uint)index > (uint)_size) throw new ArgumentOutOfRangeException(nameof(index), "Index must be within the bounds of the List.");
            if (_size == _items.Length) Grow(_size + 1);
            if (index < _size) Array.Copy(_items, index, _items, index + 1, _size - index);
            _items[index] = item;
            _size++;
            _version++;
        }

        public void RemoveAt(int index)
        {
            if ((uint)index >= (uint)_size) ThrowIndex();
            _size--;
            if (index < _size) Array.Copy(_items, index + 1, _items, index, _size - index);
            _items[_size] = default!;
            _version++;
        }

        public void RemoveRange(int index, int count)
        {
            if (index < 0 || count < 0 || _size - index < count) throw new ArgumentOutOfRangeException(nameof(count), "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.");
            if (count == 0) return;
            _size -= count;
            if (index < _size) Array.Copy(_items, index + count, _items, index, _size - index);
            Array.Clear(_items, _size, count);
            _version++;
        }

        public bool Remove(T item)
        {
            int index = IndexOf(item);
            if (index < 0) return false;
            RemoveAt(index);
            return true;
        }

        public int RemoveAll(Predicate<T> match)
        {
            if (match is null) throw new ArgumentNullException(nameof(match));
            int kept = 0;
            for (int i = 0; i < _size; i++)
            {
                if (match(_items[i])) continue;
                _items[kept++] = _items[i];
            }
            int removed = _size - kept;
            if (removed != 0)
            {
                Array.Clear(_items, kept, removed);
                _size = kept;
                _version++;
            }
            return removed;
        }

        public void Clear()
        {
            _version++;
            Array.Clear(_items, 0, _size);
            _size = 0;
        }

        public bool Contains(T item) => IndexOf(item) >= 0;

        public int IndexOf(T item) => Array.IndexOf(_items, item, 0, _size);

        public int LastIndexOf(T item)
        {
            EqualityComparer<T> comparer = EqualityComparer<T>.Default;
            for (int i = _size - 1; i >= 0; i--)
                if (comparer.Equals(_items[i], item)) return i;
            return -1;
        }

        public T? Find(Predicate<T> match)
        {
            int i = FindIndex(match);
            return i < 0 ? default : _items[i];
        }

        public int FindIndex(Predicate<T> match)
        {
            if (match is null) throw new ArgumentNullException(nameof(match));
            for (int i = 0; i < _size; i++)
                if (match(_items[i])) return i;
            return -1;
        }

        public bool Exists(Predicate<T> match) => FindIndex(match) >= 0;

        public bool TrueForAll(Predicate<T> match)
        {
            if (match is null) throw new ArgumentNullException(nameof(match));
            for (int i = 0; i < _size; i++)
                if (!match(_items[i])) return false;
            return true;
        }

        public void ForEach(Action<T> action)
        {
            if (action is null) throw new ArgumentNullException(nameof(action));
            int version = _version;
            for (int i = 0; i < _size && version == _version; i++) action(_items[i]);
            if (version != _version) ThrowModified();
        }

        public List<T> GetRange(int index, int count)
        {
            if (index < 0 || count < 0 || _size - index < count) throw new ArgumentOutOfRangeException(nameof(count), "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.");
            var list = new List<T>(count);
            Array.Copy(_items, index, list._items, 0, count);
            list._size = count;
            return list;
        }

        public void Reverse()
        {
            for (int i = 0, j = _size - 1; i < j; i++, j--) (_items[i], _items[j]) = (_items[j], _items[i]);
            _version++;
        }

        public int BinarySearch(T item) => Array.BinarySearch(_items, 0, _size, item, null);

        public int BinarySearch(T item, IComparer<T>? comparer) => Array.BinarySearch(_items, 0, _size, item, comparer);

        public void Sort() => Sort(Comparer<T>.Default.Compare);

        public void Sort(IComparer<T>? comparer) => Sort((comparer ?? Comparer<T>.Default).Compare);

        public void Sort(Comparison<T> comparison)
        {
            if (comparison is null) throw new ArgumentNullException(nameof(comparison));
            if (_size > 1) ArraySortHelper<T>.Sort(new Span<T>(_items, 0, _size), comparison);
            _version++;
        }

        public T[] ToArray()
        {
            if (_size == 0) return Array.Empty<T>();
            var array = new T[_size];
            Array.Copy(_items, array, _size);
            return array;
        }

        public void CopyTo(T[] array) => CopyTo(array, 0);

        public void CopyTo(T[] array, int arrayIndex) => Array.Copy(_items, 0, array, arrayIndex, _size);

        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => new Enumerator(this);

        IEnumerator IEnumerable.GetEnumerator() => new Enumerator(this);

        private void Grow(int min)
        {
            int capacity = _items.Length == 0 ? 4 : 2 * _items.Length;
            if (capacity < min) capacity = min;
            Capacity = capacity;
        }

        private static void ThrowIndex()
            => throw new ArgumentOutOfRangeException("index", "Index was out of range. Must be non-negative and less than the size of the collection.");

        internal static void ThrowModified()
            => throw new InvalidOperationException("Collection was modified; enumeration operation may not execute.");

        public struct Enumerator : IEnumerator<T>
        {
            private readonly List<T> _list;
            private readonly int _version;
            private int _index;
            private T? _current;

            internal Enumerator(List<T> list)
            {
                _list = list;
                _version = list._version;
                _index = 0;
                _current = default;
            }

            public bool MoveNext()
            {
                if (_version != _list._version) ThrowModified();
                if ((uint)_index < (uint)_list._size)
                {
                    _current = _list._items[_index++];
                    return true;
                }
                _index = _list._size + 1;
                _current = default;
                return false;
            }

            public readonly T Current => _current!;

            readonly object? IEnumerator.Current => _current;

            void IEnumerator.Reset()
            {
                if (_version != _list._version) ThrowModified();
                _index = 0;
                _current = default;
            }

            public readonly void Dispose() { }
        }
    }
}
