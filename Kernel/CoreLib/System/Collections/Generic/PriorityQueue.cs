namespace System.Collections.Generic
{
    // .NET's array-backed quaternary min-heap, with the same sift rules, so elements of equal
    // priority come out in the same order as on .NET.
    public class PriorityQueue<TElement, TPriority>
    {
        private const int Arity = 4;
        private const int Log2Arity = 2;

        private (TElement Element, TPriority Priority)[] _nodes;
        private readonly IComparer<TPriority>? _comparer;
        private int _size;

        public PriorityQueue() : this(0, null) { }

        public PriorityQueue(IComparer<TPriority>? comparer) : this(0, comparer) { }

        public PriorityQueue(int initialCapacity, IComparer<TPriority>? comparer = null)
        {
            if (initialCapacity < 0) throw new ArgumentOutOfRangeException(nameof(initialCapacity), "Non-negative number required.");
            _nodes = initialCapacity == 0 ? Array.Empty<(TElement, TPriority)>() : new (TElement, TPriority)[initialCapacity];
            _comparer = comparer is null || ReferenceEquals(comparer, Comparer<TPriority>.Default) ? null : comparer;
        }

        public int Count => _size;

        public IComparer<TPriority> Comparer => _comparer ?? Comparer<TPriority>.Default;

        public void Enqueue(TElement element, TPriority priority)
        {
            int index = _size++;
            if (_nodes.Length == index) Grow(index + 1);
            MoveUp((element, priority), index);
        }

        public TElement Peek()
        {
            if (_size == 0) throw new InvalidOperationException("Queue empty.");
            return _nodes[0].Element;
        }

        public bool TryPeek([Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TElement element, [Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TPriority priority)
        {
            if (_size == 0)
            {
                element = default;
                priority = default;
                return false;
            }
            (element, priority) = _nodes[0];
            return true;
        }

        public TElement Dequeue()
        {
            if (_size == 0) throw new InvalidOperationException("Queue empty.");
            TElement element = _nodes[0].Element;
            RemoveRootNode();
            return element;
        }

        public bool TryDequeue([Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TElement element, [Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TPriority priority)
        {
            if (_size == 0)
            {
                element = default;
                priority = default;
                return false;
            }
            (element, priority) = _nodes[0];
            RemoveRootNode();
            return true;
        }

        public void Clear()
        {
            Array.Clear(_nodes, 0, _size);
            _size = 0;
        }

        private void RemoveRootNode()
        {
            int lastNodeIndex = --_size;
            if (lastNodeIndex > 0) MoveDown(_nodes[lastNodeIndex], 0);
            _nodes[lastNodeIndex] = default;
        }

        private int Compare(TPriority a, TPriority b) => _comparer is null ? Comparer<TPriority>.Default.Compare(a, b) : _comparer.Compare(a, b);

        private void MoveUp((TElement Element, TPriority Priority) node, int nodeIndex)
        {
            var nodes = _nodes;
            while (nodeIndex > 0)
            {
                int parentIndex = (nodeIndex - 1) >> Log2Arity;
                var parent = nodes[parentIndex];
                if (Compare(node.Priority, parent.Priority) >= 0) break;
                nodes[nodeIndex] = parent;
                nodeIndex = parentIndex;
            }
            nodes[nodeIndex] = node;
        }

        private void MoveDown((TElement Element, TPriority Priority) node, int nodeIndex)
        {
            var nodes = _nodes;
            int size = _size;
            int i;
            while ((i = (nodeIndex << Log2Arity) + 1) < size)
            {
                var minChild = nodes[i];
                int minChildIndex = i;
                int childIndexUpperBound = Math.Min(i + Arity, size);
                while (++i < childIndexUpperBound)
                {
                    var nextChild = nodes[i];
                    if (Compare(nextChild.Priority, minChild.Priority) < 0)
                    {
                        minChild = nextChild;
                        minChildIndex = i;
                    }
                }
                if (Compare(node.Priority, minChild.Priority) <= 0) break;
                nodes[nodeIndex] = minChild;
                nodeIndex = minChildIndex;
            }
            nodes[nodeIndex] = node;
        }

        private void Grow(int minCapacity)
        {
            int capacity = 2 * _nodes.Length;
            if (capacity < _nodes.Length + 4) capacity = _nodes.Length + 4;
            if (capacity < minCapacity) capacity = minCapacity;
            Array.Resize(ref _nodes, capacity);
        }
    }
}
