#if GUEST
using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace Kernel.Net.Virtio
{
    /// <summary>
    /// One split virtqueue (virtio 1.x 2.7): descriptor table, available (driver) ring, used
    /// (device) ring, and one buffer per descriptor, so descriptor i always points at buffer i.
    /// </summary>
    internal sealed unsafe class Virtqueue
    {
        private readonly nint _buffers;
        private readonly int _bufferSize;
        private ushort _lastUsed;

        /// <param name="contiguous">Legacy layout: descriptors, then the available ring, then the
        /// used ring at the next 4 KiB boundary, all in one allocation.</param>
        public Virtqueue(int size, int bufferSize, bool contiguous)
        {
            Size = size;
            _bufferSize = bufferSize;
            int descBytes = 16 * size;
            int availBytes = 6 + 2 * size;
            int usedBytes = 6 + 8 * size;
            if (contiguous)
            {
                int front = Pages(descBytes + availBytes);
                Descriptors = PhysicalMemory.AllocatePages(front + Pages(usedBytes));
                Available = Descriptors + descBytes;
                Used = Descriptors + front * 4096;
            }
            else
            {
                Descriptors = PhysicalMemory.AllocatePages(Pages(descBytes));
                Available = PhysicalMemory.AllocatePages(Pages(availBytes));
                Used = PhysicalMemory.AllocatePages(Pages(usedBytes));
            }
            _buffers = PhysicalMemory.AllocatePages(Pages(size * bufferSize));
        }

        public int Size { get; }

        public nint Descriptors { get; }

        public nint Available { get; }

        public nint Used { get; }

        public int InFlight { get; set; }

        public nint Buffer(int id) => _buffers + id * _bufferSize;

        /// <summary>Points descriptor <paramref name="id"/> at its buffer and offers it to the device.</summary>
        public void Post(int id, int length, ushort flags)
        {
            byte* d = (byte*)Descriptors + 16 * id;
            *(ulong*)d = (ulong)Buffer(id);
            *(uint*)(d + 8) = (uint)length;
            *(ushort*)(d + 12) = flags;
            *(ushort*)(d + 14) = 0;
            ushort* avail = (ushort*)Available;
            ushort idx = ReadVolatile(avail + 1);
            avail[2 + idx % Size] = (ushort)id;
            WriteVolatile(avail + 1, (ushort)(idx + 1)); // x86 keeps stores in order; the call keeps the compiler from reordering
        }

        /// <summary>The next descriptor the device finished with, if any.</summary>
        public bool TryTakeUsed(out int id, out int length)
        {
            ushort* used = (ushort*)Used;
            if (ReadVolatile(used + 1) == _lastUsed)
            {
                id = 0;
                length = 0;
                return false;
            }
            uint* elem = (uint*)((byte*)Used + 4 + 8 * (_lastUsed % Size));
            id = (int)elem[0];
            length = (int)elem[1];
            _lastUsed++;
            return true;
        }

        private static int Pages(int bytes) => (bytes + 4095) / 4096;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static ushort ReadVolatile(ushort* p) => *p;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void WriteVolatile(ushort* p, ushort value) => *p = value;
    }
}
#endif
