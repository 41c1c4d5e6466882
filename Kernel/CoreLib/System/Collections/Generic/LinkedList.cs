namespace System.Collections.Generic
{
    // A doubly linked list (kept as a ring internally, as on .NET; First/Last hide that).
    public class LinkedList<T> : IReadOnlyCollection<T>
    {
        private LinkedListNode<T>? _head;
        private int _count;
        private int _version;

        public int Count => _count;

        public LinkedListNode<T>? First => _head;

        public LinkedListNode<T>? Last => _head?._prev;

        public LinkedListNode<T> AddFirst(T value)
        {
            var node = new LinkedListNode<T>(this, value);
            if (_head is null) InsertIntoEmpty(node);
            else
            {
                InsertBefore(_head, node);
                _head = node;
            }
            return node;
        }

        public LinkedListNode<T> AddLast(T value)
        {
            var node = new LinkedListNode<T>(this, value);
            if (_head is null) InsertIntoEmpty(node);
            else InsertBefore(_head, node);
            return node;
        }

        public LinkedListNode<T> AddBefore(LinkedListNode<T> node, T value)
        {
            Validate(node);
            var added = new LinkedListNode<T>(this, value);
            InsertBefore(node, added);
            if (node == _head) _head = added;
            return added;
        }

        public LinkedListNode<T> AddAfter(LinkedListNode<T> node, T value)
        {
            Validate(node);
            var added = new LinkedListNode<T>(this, value);
            InsertBefore(node._next!, added);
            return added;
        }

        public void AddLast(LinkedListNode<T> node)
        {
            if (node is null) throw new ArgumentNullException(nameof(node));
            if (node._list is not null) throw new InvalidOperationException("The LinkedList node already belongs to a LinkedList.");
            node._list = this;
            if (_head is null) InsertIntoEmpty(node);
            else InsertBefore(_head, node);
        }

        public void AddFirst(LinkedListNode<T> node)
        {
            AddLast(node);
            _head = node;
        }

        public LinkedListNode<T>? Find(T value)
        {
            EqualityComparer<T> comparer = EqualityComparer<T>.Default;
            for (LinkedListNode<T>? n = _head; n is not null; n = n.Next)
                if (comparer.Equals(n._item, value)) return n;
            return null;
        }

        public bool Contains(T value) => Find(value) is not null;

        public bool Remove(T value)
        {
            LinkedListNode<T>? node = Find(value);
            if (node is null) return false;
            RemoveNode(node);
            return true;
        }

        public void Remove(LinkedListNode<T> node)
        {
            Validate(node);
            RemoveNode(node);
        }

        public void RemoveFirst()
        {
            if (_head is null) throw new InvalidOperationException("The LinkedList is empty.");
            RemoveNode(_head);
        }

        public void RemoveLast()
        {
            if (_head is null) throw new InvalidOperationException("The LinkedList is empty.");
            RemoveNode(_head._prev!);
        }

        public void Clear()
        {
            LinkedListNode<T>? node = _head;
            while (node is not null)
            {
                LinkedListNode<T> next = node._next!;
                node.Invalidate();
                node = next == _head ? null : next;
            }
            _head = null;
            _count = 0;
            _version++;
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => new Enumerator(this);

        IEnumerator IEnumerable.GetEnumerator() => new Enumerator(this);

        private void Validate(LinkedListNode<T> node)
        {
            if (node is null) throw new ArgumentNullException(nameof(node));
            if (node._list != this) throw new InvalidOperationException("The LinkedList node does not belong to current LinkedList.");
        }

        private void InsertIntoEmpty(LinkedListNode<T> node)
        {
            node._next = node;
            node._prev = node;
            _head = node;
            _count++;
            _version++;
        }

        private void InsertBefore(LinkedListNode<T> node, LinkedListNode<T> added)
        {
            added._next = node;
            added._prev = node._prev;
            node._prev!._next = added;
            node._prev = added;
            _count++;
            _version++;
        }

        private void RemoveNode(LinkedListNode<T> node)
        {
            if (node._next == node) _head = null;
            else
            {
                node._next!._prev = node._prev;
                node._prev!._next = node._next;
                if (_head == node) _head = node._next;
            }
            node.Invalidate();
            _count--;
            _version++;
        }

        public struct Enumerator : IEnumerator<T>
        {
            private readonly LinkedList<T> _list;
            private readonly int _version;
            private LinkedListNode<T>? _node;
            private T? _current;
            private bool _started;

            internal Enumerator(LinkedList<T> list)
            {
                _list = list;
                _version = list._version;
                _node = list._head;
                _current = default;
                _started = false;
            }

            public bool MoveNext()
            {
                if (_version != _list._version) List<T>.ThrowModified();
                if (_node is null || (_started && _node == _list._head)) { _node = null; return false; }
                _started = true;
                _current = _node._item;
                _node = _node._next;
                if (_node == _list._head) _node = null;
                return true;
            }

            public readonly T Current => _current!;

            readonly object? IEnumerator.Current => _current;

            void IEnumerator.Reset()
            {
                _node = _list._head;
                _current = default;
                _started = false;
            }

            public readonly void Dispose() { }
        }
    }

    public sealed class LinkedListNode<T>
    {
        internal LinkedList<T>? _list;
        internal LinkedListNode<T>? _next;
        internal LinkedListNode<T>? _prev;
        internal T _item;

        public LinkedListNode(T value) { _item = value; }

        internal LinkedListNode(LinkedList<T> list, T value)
        {
            _list = list;
            _item = value;
        }

        public LinkedList<T>? List => _list;

        public LinkedListNode<T>? Next => _next is null || _next == _list?.First ? null : _next;

        public LinkedListNode<T>? Previous => _prev is null || this == _list?.First ? null : _prev;

        public T Value
        {
            get => _item;
            set => _item = value;
        }

        internal void Invalidate()
        {
            _list = null;
            _next = null;
            _prev = null;
        }
    }
}
