using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System
{
    public abstract unsafe class Array
    {
        // Layout fixed by ILCompiler: the element count follows the MethodTable pointer.
#pragma warning disable CS0649, CS0169
        private int _numComponents;
        private int _padding;
#pragma warning restore CS0649, CS0169

        public int Length => _numComponents;

        public long LongLength => _numComponents;

        public int Rank => 1;

        private nuint ElementSize => GetMethodTable()->ComponentSize;

        public static T[] Empty<T>() => EmptyArray<T>.Value;

        public static void Copy(Array sourceArray, Array destinationArray, int length)
        {
            if (sourceArray is null) throw new ArgumentNullException(nameof(sourceArray));
            if (destinationArray is null) throw new ArgumentNullException(nameof(destinationArray));
            Copy(sourceArray, 0, destinationArray, 0, length);
        }

        // Same-type copies only (the guest has no array covariance or primitive widening here);
        // overlapping ranges within one array behave as if copied through a temporary, as on .NET.
        public static void Copy(Array sourceArray, int sourceIndex, Array destinationArray, int destinationIndex, int length)
        {
            if (sourceArray is null) throw new ArgumentNullException(nameof(sourceArray));
            if (destinationArray is null) throw new ArgumentNullException(nameof(destinationArray));
            if (sourceArray.GetMethodTable() != destinationArray.GetMethodTable())
                throw new ArrayTypeMismatchException("Source array type cannot be assigned to destination array type.");
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), "Non-negative number required.");
            if (sourceIndex < 0) throw new ArgumentOutOfRangeException(nameof(sourceIndex), "Non-negative number required.");
            if (destinationIndex < 0) throw new ArgumentOutOfRangeException(nameof(destinationIndex), "Non-negative number required.");
            if (sourceArray.Length - sourceIndex < length) throw new ArgumentException("Source array was not long enough. Check the source index, length, and the array's lower bounds.", nameof(sourceArray));
            if (destinationArray.Length - destinationIndex < length) throw new ArgumentException("Destination array was not long enough. Check the destination index, length, and the array's lower bounds.", nameof(destinationArray));
            nuint size = sourceArray.ElementSize;
            Buffer.Memmove(
                (byte*)Unsafe.AsPointer(ref ArrayData.GetRawData(destinationArray)) + (nuint)destinationIndex * size,
                (byte*)Unsafe.AsPointer(ref ArrayData.GetRawData(sourceArray)) + (nuint)sourceIndex * size,
                (nuint)length * size);
        }

        public static void Clear(Array array)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            SpanHelpers.ClearWithoutReferences(ref ArrayData.GetRawData(array), (nuint)array.Length * array.ElementSize);
        }

        public static void Clear(Array array, int index, int length)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            if (index < 0 || length < 0 || index > array.Length - length)
                throw new IndexOutOfRangeException();
            nuint size = array.ElementSize;
            SpanHelpers.ClearWithoutReferences(ref Unsafe.AddByteOffset(ref ArrayData.GetRawData(array), (nint)((nuint)index * size)), (nuint)length * size);
        }

        public static void Resize<T>([Diagnostics.CodeAnalysis.NotNull] ref T[]? array, int newSize)
        {
            if (newSize < 0) throw new ArgumentOutOfRangeException(nameof(newSize), "Non-negative number required.");
            T[]? old = array;
            if (old is null) { array = new T[newSize]; return; }
            if (old.Length == newSize) { array = old; return; }
            var resized = new T[newSize];
            Copy(old, resized, old.Length < newSize ? old.Length : newSize);
            array = resized;
        }

        public static int IndexOf<T>(T[] array, T value) => IndexOf(array, value, 0, array is null ? 0 : array.Length);

        public static int IndexOf<T>(T[] array, T value, int startIndex) => IndexOf(array, value, startIndex, array is null ? 0 : array.Length - startIndex);

        public static int IndexOf<T>(T[] array, T value, int startIndex, int count)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            if ((uint)startIndex > (uint)array.Length) throw new ArgumentOutOfRangeException(nameof(startIndex), "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
            if (count < 0 || count > array.Length - startIndex) throw new ArgumentOutOfRangeException(nameof(count), "Count must be positive and count must refer to a location within the string/array/collection.");
            EqualityComparer<T> comparer = EqualityComparer<T>.Default;
            for (int i = startIndex; i < startIndex + count; i++)
                if (comparer.Equals(array[i], value)) return i;
            return -1;
        }

        // The index of value, or the bitwise complement of where it would be inserted (array sorted).
        public static int BinarySearch<T>(T[] array, T value) => BinarySearch(array, 0, array is null ? 0 : array.Length, value, null);

        public static int BinarySearch<T>(T[] array, T value, IComparer<T>? comparer) => BinarySearch(array, 0, array is null ? 0 : array.Length, value, comparer);

        public static int BinarySearch<T>(T[] array, int index, int length, T value, IComparer<T>? comparer)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            if (index < 0 || length < 0 || array.Length - index < length) throw new ArgumentOutOfRangeException(nameof(length));
            comparer ??= Comparer<T>.Default;
            int lo = index, hi = index + length - 1;
            while (lo <= hi)
            {
                int i = lo + ((hi - lo) >> 1);
                int order = comparer.Compare(array[i], value);
                if (order == 0) return i;
                if (order < 0) lo = i + 1;
                else hi = i - 1;
            }
            return ~lo;
        }

        public static T? Find<T>(T[] array, Predicate<T> match)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            if (match is null) throw new ArgumentNullException(nameof(match));
            for (int i = 0; i < array.Length; i++)
                if (match(array[i])) return array[i];
            return default;
        }

        public static bool Exists<T>(T[] array, Predicate<T> match) => FindIndex(array, match) >= 0;

        public static int FindIndex<T>(T[] array, Predicate<T> match)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            if (match is null) throw new ArgumentNullException(nameof(match));
            for (int i = 0; i < array.Length; i++)
                if (match(array[i])) return i;
            return -1;
        }

        public static void Fill<T>(T[] array, T value)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            for (int i = 0; i < array.Length; i++) array[i] = value;
        }

        public static void Sort<T>(T[] array) => Sort(array, Comparer<T>.Default.Compare);

        public static void Sort<T>(T[] array, IComparer<T>? comparer) => Sort(array, (comparer ?? Comparer<T>.Default).Compare);

        public static void Sort<T>(T[] array, Comparison<T> comparison)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            if (comparison is null) throw new ArgumentNullException(nameof(comparison));
            ArraySortHelper<T>.Sort(array, comparison);
        }

        public static void Reverse<T>(T[] array)
        {
            if (array is null) throw new ArgumentNullException(nameof(array));
            for (int i = 0, j = array.Length - 1; i < j; i++, j--) (array[i], array[j]) = (array[j], array[i]);
        }
    }

    // ILCompiler's name for the single-dimension zero-based array type T[]: every T[] gets these
    // interfaces, with `this` being the array itself.
    public class Array<T> : Array, IList<T>, IReadOnlyList<T>
    {
        private T[] Self => Unsafe.As<T[]>(this);

        int ICollection<T>.Count => Length;

        int IReadOnlyCollection<T>.Count => Length;

        bool ICollection<T>.IsReadOnly => true;

        T IList<T>.this[int index]
        {
            get => Self[index];
            set => Self[index] = value;
        }

        T IReadOnlyList<T>.this[int index] => Self[index];

        int IList<T>.IndexOf(T item) => IndexOf(Self, item);

        bool ICollection<T>.Contains(T item) => IndexOf(Self, item) >= 0;

        void ICollection<T>.CopyTo(T[] array, int arrayIndex) => Copy(Self, 0, array, arrayIndex, Length);

        void ICollection<T>.Add(T item) => throw FixedSize();

        void ICollection<T>.Clear() => throw FixedSize();

        bool ICollection<T>.Remove(T item) => throw FixedSize();

        void IList<T>.Insert(int index, T item) => throw FixedSize();

        void IList<T>.RemoveAt(int index) => throw FixedSize();

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => new ArrayEnumerator<T>(Self);

        Collections.IEnumerator Collections.IEnumerable.GetEnumerator() => new ArrayEnumerator<T>(Self);

        private static NotSupportedException FixedSize() => new NotSupportedException("Collection was of a fixed size.");
    }

    internal sealed class ArrayEnumerator<T> : IEnumerator<T>
    {
        private readonly T[] _array;
        private int _index = -1;

        internal ArrayEnumerator(T[] array) { _array = array; }

        public bool MoveNext() => ++_index < _array.Length;

        public T Current => _array[_index];

        object? Collections.IEnumerator.Current => Current;

        public void Reset() => _index = -1;

        public void Dispose() { }
    }

    internal static class EmptyArray<T>
    {
#pragma warning disable CA1825 // this is the Array.Empty implementation
        internal static readonly T[] Value = new T[0];
#pragma warning restore CA1825
    }
}
