using System.Runtime.CompilerServices;

namespace System
{
    public static unsafe class Buffer
    {
        internal static void Memmove(byte* dest, byte* src, nuint len)
        {
            if (dest == src || len == 0) return;
            if (dest < src || dest >= src + len)
            {
                nuint i = 0;
                for (; i + 8 <= len; i += 8) *(ulong*)(dest + i) = *(ulong*)(src + i);
                for (; i < len; i++) dest[i] = src[i];
            }
            else
            {
                for (nuint i = len; i > 0; i--) dest[i - 1] = src[i - 1];
            }
        }

        // Called by ILCompiler for struct copies that contain object references. The collector is
        // non-moving and has no card table, so a plain copy is a correct barrier.
        internal static void BulkMoveWithWriteBarrier(ref byte destination, ref byte source, nuint byteCount)
            => Memmove((byte*)Unsafe.AsPointer(ref destination), (byte*)Unsafe.AsPointer(ref source), byteCount);

        public static void MemoryCopy(void* source, void* destination, long destinationSizeInBytes, long sourceBytesToCopy)
            => Memmove((byte*)destination, (byte*)source, (nuint)sourceBytesToCopy);
    }

    internal static unsafe class SpanHelpers
    {
        internal static void Memmove(ref byte dest, ref byte src, nuint len)
            => Buffer.Memmove((byte*)Unsafe.AsPointer(ref dest), (byte*)Unsafe.AsPointer(ref src), len);

        internal static void ClearWithoutReferences(ref byte dest, nuint len)
        {
            byte* p = (byte*)Unsafe.AsPointer(ref dest);
            nuint i = 0;
            for (; i + 8 <= len; i += 8) *(ulong*)(p + i) = 0;
            for (; i < len; i++) p[i] = 0;
        }

        internal static void ClearWithReferences(ref nint dest, nuint pointerSizeLength)
            => ClearWithoutReferences(ref Unsafe.As<nint, byte>(ref dest), pointerSizeLength * (nuint)sizeof(nint));

        internal static void Fill(ref byte dest, nuint len, byte value)
        {
            byte* p = (byte*)Unsafe.AsPointer(ref dest);
            for (nuint i = 0; i < len; i++) p[i] = value;
        }
    }
}
