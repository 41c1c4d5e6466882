using System.Runtime.CompilerServices;

namespace System
{
    // A slice of an array (or, for ReadOnlyMemory<char>, of a string) that can live on the heap,
    // unlike Span<T>. No MemoryManager: the guest has no native memory owners.
    public readonly struct Memory<T> : IEquatable<Memory<T>>
    {
        private readonly T[]? _array;
        private readonly int _index;
        private readonly int _length;

        public Memory(T[]? array)
        {
            _array = array;
            _index = 0;
            _length = array?.Length ?? 0;
        }

        public Memory(T[]? array, int start, int length)
        {
            if (array is null)
            {
                if (start != 0 || length != 0) throw new ArgumentOutOfRangeException(nameof(start));
                this = default;
                return;
            }
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length) throw new ArgumentOutOfRangeException(nameof(start));
            _array = array;
            _index = start;
            _length = length;
        }

        public static Memory<T> Empty => default;

        public int Length => _length;

        public bool IsEmpty => _length == 0;

        public Span<T> Span => _array is null ? default : new Span<T>(_array, _index, _length);

        public Memory<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) throw new ArgumentOutOfRangeException(nameof(start));
            return new Memory<T>(_array, _index + start, _length - start);
        }

        public Memory<T> Slice(int start, int length)
        {
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) throw new ArgumentOutOfRangeException(nameof(start));
            return new Memory<T>(_array, _index + start, length);
        }

        public void CopyTo(Memory<T> destination) => Span.CopyTo(destination.Span);

        public bool TryCopyTo(Memory<T> destination) => Span.TryCopyTo(destination.Span);

        public T[] ToArray() => Span.ToArray();

        public bool Equals(Memory<T> other) => ReferenceEquals(_array, other._array) && _index == other._index && _length == other._length;

        public override bool Equals(object? obj) => obj is Memory<T> other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(_array, _index, _length);

        public override string ToString() => default(T) is char ? Span.ToString() : "System.Memory[" + _length.ToString() + "]";

        public static implicit operator Memory<T>(T[]? array) => new Memory<T>(array);

        public static implicit operator ReadOnlyMemory<T>(Memory<T> memory) => new ReadOnlyMemory<T>(memory._array, memory._index, memory._length);
    }

    public readonly struct ReadOnlyMemory<T> : IEquatable<ReadOnlyMemory<T>>
    {
        // A T[] or, for ReadOnlyMemory<char> made by AsMemory(), a string.
        private readonly object? _object;
        private readonly int _index;
        private readonly int _length;

        public ReadOnlyMemory(T[]? array) : this(array, 0, array?.Length ?? 0) { }

        public ReadOnlyMemory(T[]? array, int start, int length)
        {
            if (array is null)
            {
                if (start != 0 || length != 0) throw new ArgumentOutOfRangeException(nameof(start));
                this = default;
                return;
            }
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length) throw new ArgumentOutOfRangeException(nameof(start));
            _object = array;
            _index = start;
            _length = length;
        }

        internal ReadOnlyMemory(object? obj, int start, int length)
        {
            _object = obj;
            _index = start;
            _length = length;
        }

        public static ReadOnlyMemory<T> Empty => default;

        public int Length => _length;

        public bool IsEmpty => _length == 0;

        public ReadOnlySpan<T> Span
        {
            get
            {
                if (_object is null) return default;
                if (_object is string s)
                    return new ReadOnlySpan<T>(ref Unsafe.As<char, T>(ref Unsafe.Add(ref s.FirstChar, _index)), _length);
                return new ReadOnlySpan<T>(Unsafe.As<T[]>(_object), _index, _length);
            }
        }

        public ReadOnlyMemory<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) throw new ArgumentOutOfRangeException(nameof(start));
            return new ReadOnlyMemory<T>(_object, _index + start, _length - start);
        }

        public ReadOnlyMemory<T> Slice(int start, int length)
        {
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) throw new ArgumentOutOfRangeException(nameof(start));
            return new ReadOnlyMemory<T>(_object, _index + start, length);
        }

        public void CopyTo(Memory<T> destination) => Span.CopyTo(destination.Span);

        public bool TryCopyTo(Memory<T> destination) => Span.TryCopyTo(destination.Span);

        public T[] ToArray() => Span.ToArray();

        public bool Equals(ReadOnlyMemory<T> other) => ReferenceEquals(_object, other._object) && _index == other._index && _length == other._length;

        public override bool Equals(object? obj) => obj is ReadOnlyMemory<T> other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(_object, _index, _length);

        public override string ToString() => default(T) is char ? Span.ToString() : "System.ReadOnlyMemory[" + _length.ToString() + "]";

        public static implicit operator ReadOnlyMemory<T>(T[]? array) => new ReadOnlyMemory<T>(array);
    }
}
