using System;

namespace Kernel.Net.Sockets
{
    /// <summary>
    /// A fixed-capacity byte queue: the bounded send and receive buffers of a TCP connection.
    /// Besides plain enqueue/dequeue it lets the receiver place out-of-order data in the free space
    /// past the queued bytes (<see cref="WriteUnqueued"/>) and enqueue it later (<see cref="Enqueue(int)"/>).
    /// </summary>
    public sealed class ByteRing
    {
        private readonly byte[] _data;
        private int _head;
        private int _count;

        public ByteRing(int capacity) => _data = new byte[capacity];

        public int Capacity => _data.Length;

        public int Count => _count;

        public int Free => _data.Length - _count;

        public void Clear()
        {
            _head = 0;
            _count = 0;
        }

        /// <summary>Copies as much of <paramref name="source"/> as fits; returns how much.</summary>
        public int Enqueue(ReadOnlySpan<byte> source)
        {
            int n = WriteUnqueued(0, source);
            _count += n;
            return n;
        }

        /// <summary>Makes <paramref name="length"/> bytes already written past the end part of the queue.</summary>
        public void Enqueue(int length) => _count += Math.Min(length, Free);

        /// <summary>Writes into free space starting <paramref name="offset"/> bytes past the queued data, without queuing it.</summary>
        public int WriteUnqueued(int offset, ReadOnlySpan<byte> source)
        {
            int room = Free - offset;
            if (room <= 0) return 0;
            int n = Math.Min(room, source.Length);
            int at = (_head + _count + offset) % _data.Length;
            int first = Math.Min(n, _data.Length - at);
            source.Slice(0, first).CopyTo(_data.AsSpan(at));
            if (n > first) source.Slice(first, n - first).CopyTo(_data.AsSpan(0));
            return n;
        }

        /// <summary>Copies queued bytes starting at <paramref name="offset"/> without removing them.</summary>
        public int Peek(int offset, Span<byte> destination)
        {
            int n = Math.Min(destination.Length, _count - offset);
            if (n <= 0) return 0;
            int at = (_head + offset) % _data.Length;
            int first = Math.Min(n, _data.Length - at);
            _data.AsSpan(at, first).CopyTo(destination);
            if (n > first) _data.AsSpan(0, n - first).CopyTo(destination.Slice(first));
            return n;
        }

        public int Dequeue(Span<byte> destination)
        {
            int n = Peek(0, destination);
            Discard(n);
            return n;
        }

        public void Discard(int length)
        {
            int n = Math.Min(length, _count);
            _head = (_head + n) % _data.Length;
            _count -= n;
            // No rewind to 0 when empty: out-of-order bytes may already sit past the end.
        }
    }
}
