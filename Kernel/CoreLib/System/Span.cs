using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Internal.Runtime.CompilerHelpers;

namespace System
{
    public readonly ref struct Span<T>
    {
        internal readonly ref T _reference;
        private readonly int _length;

        public Span(T[]? array)
        {
            if (array is null) { this = default; return; }
            _reference = ref Unsafe.As<byte, T>(ref Internal.Runtime.ArrayData.GetRawData(array));
            _length = array.Length;
        }

        public Span(T[]? array, int start, int length)
        {
            if (array is null)
            {
                if (start != 0 || length != 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
                this = default;
                return;
            }
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length)
                ThrowHelpers.ThrowArgumentOutOfRangeException();
            _reference = ref Unsafe.Add(ref Unsafe.As<byte, T>(ref Internal.Runtime.ArrayData.GetRawData(array)), start);
            _length = length;
        }

        public unsafe Span(void* pointer, int length)
        {
            if (length < 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
            _reference = ref Unsafe.AsRef<T>(pointer);
            _length = length;
        }

        public Span(ref T reference)
        {
            _reference = ref reference;
            _length = 1;
        }

        internal Span(ref T reference, int length)
        {
            _reference = ref reference;
            _length = length;
        }

        public static Span<T> Empty => default;

        public int Length => _length;

        public bool IsEmpty => _length == 0;

        public ref T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length) ThrowHelpers.ThrowIndexOutOfRangeException();
                return ref Unsafe.Add(ref _reference, index);
            }
        }

        public ref T GetPinnableReference() => ref _length != 0 ? ref _reference : ref Unsafe.NullRef<T>();

        public Span<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new Span<T>(ref Unsafe.Add(ref _reference, start), _length - start);
        }

        public Span<T> Slice(int start, int length)
        {
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new Span<T>(ref Unsafe.Add(ref _reference, start), length);
        }

        public void Clear()
        {
            for (int i = 0; i < _length; i++) Unsafe.Add(ref _reference, i) = default!;
        }

        public void Fill(T value)
        {
            for (int i = 0; i < _length; i++) Unsafe.Add(ref _reference, i) = value;
        }

        public void CopyTo(Span<T> destination)
        {
            if ((uint)_length > (uint)destination.Length)
                throw new ArgumentException("Destination is too short.", nameof(destination));
            SpanMove.Move(ref destination._reference, ref _reference, _length);
        }

        public bool TryCopyTo(Span<T> destination)
        {
            if ((uint)_length > (uint)destination.Length) return false;
            SpanMove.Move(ref destination._reference, ref _reference, _length);
            return true;
        }

        public T[] ToArray()
        {
            if (_length == 0) return Array.Empty<T>();
            var result = new T[_length];
            SpanMove.Move(ref MemoryMarshal.GetArrayDataReference(result), ref _reference, _length);
            return result;
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        // Span<char> prints its characters, any other span its type and length, as on .NET.
        public override string ToString()
        {
            if (default(T) is char) return string.FromSpan(new ReadOnlySpan<char>(ref Unsafe.As<T, char>(ref _reference), _length));
            return "System.Span[" + _length.ToString() + "]";
        }

#pragma warning disable CS0809 // Obsolete member overrides non-obsolete member: spans are never boxed
        [Obsolete("Equals() on Span will always throw an exception. Use the equality operator instead.")]
        public override bool Equals(object? obj) => throw new NotSupportedException("Equals() on Span and ReadOnlySpan is not supported. Use operator== instead.");

        [Obsolete("GetHashCode() on Span will always throw an exception.")]
        public override int GetHashCode() => throw new NotSupportedException("GetHashCode() on Span and ReadOnlySpan is not supported.");
#pragma warning restore CS0809

        public static bool operator ==(Span<T> left, Span<T> right)
            => left._length == right._length && Unsafe.AreSame(ref left._reference, ref right._reference);

        public static bool operator !=(Span<T> left, Span<T> right) => !(left == right);

        public static implicit operator Span<T>(T[]? array) => new Span<T>(array);

        public static implicit operator ReadOnlySpan<T>(Span<T> span) => new ReadOnlySpan<T>(ref span._reference, span._length);

        public ref struct Enumerator
        {
            private readonly Span<T> _span;
            private int _index;

            internal Enumerator(Span<T> span) { _span = span; _index = -1; }

            public bool MoveNext() => ++_index < _span.Length;

            public ref T Current => ref _span[_index];
        }
    }

    public readonly ref struct ReadOnlySpan<T>
    {
        internal readonly ref T _reference;
        private readonly int _length;

        public ReadOnlySpan(T[]? array)
        {
            if (array is null) { this = default; return; }
            _reference = ref Unsafe.As<byte, T>(ref Internal.Runtime.ArrayData.GetRawData(array));
            _length = array.Length;
        }

        public ReadOnlySpan(T[]? array, int start, int length)
        {
            if (array is null)
            {
                if (start != 0 || length != 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
                this = default;
                return;
            }
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length)
                ThrowHelpers.ThrowArgumentOutOfRangeException();
            _reference = ref Unsafe.Add(ref Unsafe.As<byte, T>(ref Internal.Runtime.ArrayData.GetRawData(array)), start);
            _length = length;
        }

        public unsafe ReadOnlySpan(void* pointer, int length)
        {
            if (length < 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
            _reference = ref Unsafe.AsRef<T>(pointer);
            _length = length;
        }

        public ReadOnlySpan(ref readonly T reference)
        {
            _reference = ref Unsafe.AsRef(in reference);
            _length = 1;
        }

        internal ReadOnlySpan(ref T reference, int length)
        {
            _reference = ref reference;
            _length = length;
        }

        public static ReadOnlySpan<T> Empty => default;

        public int Length => _length;

        public bool IsEmpty => _length == 0;

        public ref readonly T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length) ThrowHelpers.ThrowIndexOutOfRangeException();
                return ref Unsafe.Add(ref _reference, index);
            }
        }

        public ref readonly T GetPinnableReference() => ref _length != 0 ? ref _reference : ref Unsafe.NullRef<T>();

        public ReadOnlySpan<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, start), _length - start);
        }

        public ReadOnlySpan<T> Slice(int start, int length)
        {
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, start), length);
        }

        public void CopyTo(Span<T> destination)
        {
            if ((uint)_length > (uint)destination.Length)
                throw new ArgumentException("Destination is too short.", nameof(destination));
            SpanMove.Move(ref destination._reference, ref _reference, _length);
        }

        public bool TryCopyTo(Span<T> destination)
        {
            if ((uint)_length > (uint)destination.Length) return false;
            SpanMove.Move(ref destination._reference, ref _reference, _length);
            return true;
        }

        public T[] ToArray()
        {
            if (_length == 0) return Array.Empty<T>();
            var result = new T[_length];
            SpanMove.Move(ref MemoryMarshal.GetArrayDataReference(result), ref _reference, _length);
            return result;
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        public override string ToString()
        {
            if (default(T) is char) return string.FromSpan(new ReadOnlySpan<char>(ref Unsafe.As<T, char>(ref _reference), _length));
            return "System.ReadOnlySpan[" + _length.ToString() + "]";
        }

#pragma warning disable CS0809 // Obsolete member overrides non-obsolete member: spans are never boxed
        [Obsolete("Equals() on ReadOnlySpan will always throw an exception. Use the equality operator instead.")]
        public override bool Equals(object? obj) => throw new NotSupportedException("Equals() on Span and ReadOnlySpan is not supported. Use operator== instead.");

        [Obsolete("GetHashCode() on ReadOnlySpan will always throw an exception.")]
        public override int GetHashCode() => throw new NotSupportedException("GetHashCode() on Span and ReadOnlySpan is not supported.");
#pragma warning restore CS0809

        public static bool operator ==(ReadOnlySpan<T> left, ReadOnlySpan<T> right)
            => left._length == right._length && Unsafe.AreSame(ref left._reference, ref right._reference);

        public static bool operator !=(ReadOnlySpan<T> left, ReadOnlySpan<T> right) => !(left == right);

        public static implicit operator ReadOnlySpan<T>(T[]? array) => new ReadOnlySpan<T>(array);

        public ref struct Enumerator
        {
            private readonly ReadOnlySpan<T> _span;
            private int _index;

            internal Enumerator(ReadOnlySpan<T> span) { _span = span; _index = -1; }

            public bool MoveNext() => ++_index < _span.Length;

            public ref readonly T Current => ref _span[_index];
        }
    }

    // Overlap-safe element moves: bytes for plain data, element by element when T holds references
    // (so each store goes through the write barrier the collector may need).
    internal static class SpanMove
    {
        internal static unsafe void Move<T>(ref T destination, ref T source, int count)
        {
            if (count == 0 || Unsafe.AreSame(ref destination, ref source)) return;
            if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            {
                SpanHelpers.Memmove(ref Unsafe.As<T, byte>(ref destination), ref Unsafe.As<T, byte>(ref source), (nuint)count * (nuint)Unsafe.SizeOf<T>());
                return;
            }
            if (Unsafe.ByteOffset(ref source, ref destination) > 0 && Unsafe.IsAddressLessThan(ref destination, ref Unsafe.Add(ref source, count)))
            {
                for (int i = count - 1; i >= 0; i--) Unsafe.Add(ref destination, i) = Unsafe.Add(ref source, i);
            }
            else
            {
                for (int i = 0; i < count; i++) Unsafe.Add(ref destination, i) = Unsafe.Add(ref source, i);
            }
        }
    }
}
