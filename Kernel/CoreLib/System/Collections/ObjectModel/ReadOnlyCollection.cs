using System.Collections.Generic;

namespace System.Collections.ObjectModel
{
    // A read-only view over a list (what AggregateException.InnerExceptions returns on .NET).
    public class ReadOnlyCollection<T> : IReadOnlyList<T>
    {
        private readonly IList<T> _list;

        public ReadOnlyCollection(IList<T> list)
        {
            _list = list ?? throw new ArgumentNullException(nameof(list));
        }

        public int Count => _list.Count;

        public T this[int index] => _list[index];

        public bool Contains(T value) => _list.Contains(value);

        public int IndexOf(T value) => _list.IndexOf(value);

        public IEnumerator<T> GetEnumerator() => _list.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
