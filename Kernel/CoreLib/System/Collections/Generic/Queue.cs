namespace System.Collections.Generic
{
    // A ring buffer: elements live in _array[_head .. _head+_size) modulo its length.
    public class Queue<T> : IReadOnlyCollection<T>
    {
        private T[] _array;
        private int _head;
        private int _size;
        private int _version;

        public Queue() { _array = Array.Empty<T>(); }

        public Queue(int capacity)
        {
            if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "Non-negative number required.");
            _array = capacity == 0 ? Array.Empty<T>() : new T[capacity];
        }

        public int Count => _size;

        public void Enqueue(T item)
        {
            if (_size == _array.Length) Grow();
            _array[(_head + _size) % _array.Length] = item;
            _size++;
            _version++;
        }

        public T Dequeue()
        {
            if (_size == 0) ThrowEmpty();
            T item = _array[_head];
            _array[_head] = default!;
            _head = (_head + 1) % _array.Length;
            _size--;
            _version++;
            return item;
        }

        public bool TryDequeue([Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T result)
        {
            if (_size == 0) { result = default; return false; }
            result = Dequeue();
            return true;
        }

        public T Peek()
        {
            if (_size == 0) ThrowEmpty();
            return _array[_head];
        }

        public bool TryPeek([Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T result)
        {
            if (_size == 0) { result = default; return false; }
            result = _array[_head];
            return true;
        }

        public bool Contains(T item)
        {
            EqualityComparer<T> comparer = EqualityComparer<T>.Default;
            for (int i = 0; i < _size; i++)
                if (comparer.Equals(_array[(_head + i) % _array.Length], item)) return true;
            return false;
        }

        public void Clear()
        {
            Array.Clear(_array);
            _head = 0;
            _size = 0;
            _version++;
        }

        public T[] ToArray()
        {
            var result = new T[_size];
            for (int i = 0; i < _size; i++) result[i] = _array[(_head + i) % _array.Length];
            return result;
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => new Enumerator(this);

        IEnumerator IEnumerable.GetEnumerator() => new Enumerator(this);

        private void Grow()
        {
            int capacity = _array.Length == 0 ? 4 : 2 * _array.Length;
            var array = new T[capacity];
            for (int i = 0; i < _size; i++) array[i] = _array[(_head + i) % _array.Length];
            _array = array;
            _head = 0;
        }

        private static void ThrowEmpty() => throw new InvalidOperationException("Queue empty.");

        public struct Enumerator : IEnumerator<T>
        {
            private readonly Queue<T> _queue;
            private readonly int _version;
            private int _index;
            private T? _current;

            internal Enumerator(Queue<T> queue)
            {
                _queue = queue;
                _version = queue._version;
                _index = -1;
                _current = default;
            }

            public bool MoveNext()
            {
                if (_version != _queue._version) List<T>.ThrowModified();
                if (_index == -2 || ++_index >= _queue._size) { _index = -2; _current = default; return false; }
                _current = _queue._array[(_queue._head + _index) % _queue._array.Length];
                return true;
            }

            public readonly T Current => _current!;

            readonly object? IEnumerator.Current => _current;

            void IEnumerator.Reset() { _index = -1; _current = default; }

            public readonly void Dispose() { }
        }
    }

    public class Stack<T> : IReadOnlyCollection<T>
    {
        private T[] _array = Array.Empty<T>();
        private int _size;
        private int _version;

        public int Count => _size;

        public void Push(T item)
        {
            if (_size == _array.Length) Array.Resize(ref _array, _array.Length == 0 ? 4 : 2 * _array.Length);
            _array[_size++] = item;
            _version++;
        }

        public T Pop()
        {
            if (_size == 0) throw new InvalidOperationException("Stack empty.");
            T item = _array[--_size];
            _array[_size] = default!;
            _version++;
            return item;
        }

        public bool TryPop([Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T result)
        {
            if (_size == 0) { result = default; return false; }
            result = Pop();
            return true;
        }

        public T Peek() => _size == 0 ? throw new InvalidOperationException("Stack empty.") : _array[_size - 1];

        public void Clear()
        {
            Array.Clear(_array, 0, _size);
            _size = 0;
            _version++;
        }

        // Enumerates from the top of the stack down, as .NET does.
        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => new Enumerator(this);

        IEnumerator IEnumerable.GetEnumerator() => new Enumerator(this);

        public struct Enumerator : IEnumerator<T>
        {
            private readonly Stack<T> _stack;
            private readonly int _version;
            private int _index;

            internal Enumerator(Stack<T> stack)
            {
                _stack = stack;
                _version = stack._version;
                _index = stack._size;
            }

            public bool MoveNext()
            {
                if (_version != _stack._version) List<T>.ThrowModified();
                return --_index >= 0;
            }

            public readonly T Current => _stack._array[_index];

            readonly object? IEnumerator.Current => Current;

            void IEnumerator.Reset() => _index = _stack._size;

            public readonly void Dispose() { }
        }
    }
}
