using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System.Runtime
{
    // Boxing helpers that ILCompiler calls by name.
    internal static unsafe class RuntimeExports
    {
        public static object RhBox(MethodTable* type, ref byte data)
        {
            object result = RuntimeImports.NewObject(type);
            uint size = type->BaseSize - (uint)(2 * sizeof(nint));
            Buffer.Memmove((byte*)RuntimeHelpers.GetObjectAddress(result) + sizeof(nint), (byte*)Unsafe.AsPointer(ref data), size);
            return result;
        }

        public static void RhUnboxNullable(ref byte data, MethodTable* type, object? obj)
        {
            // Nullable<T> layout: bool hasValue, then T at the alignment of T.
            MethodTable* underlying = type->RelatedType;
            uint valueSize = underlying->BaseSize - (uint)(2 * sizeof(nint));
            uint offset = type->BaseSize - (uint)(2 * sizeof(nint)) - valueSize;
            if (obj is null)
            {
                SpanHelpers.ClearWithoutReferences(ref data, type->BaseSize - (uint)(2 * sizeof(nint)));
                return;
            }
            data = 1;
            Buffer.Memmove((byte*)Unsafe.AsPointer(ref data) + offset, (byte*)RuntimeHelpers.GetObjectAddress(obj) + sizeof(nint), valueSize);
        }

        public static void RhUnbox2(MethodTable* type, object obj, ref byte data)
        {
            if (obj.GetMethodTable() != type) throw new InvalidCastException();
            Buffer.Memmove((byte*)Unsafe.AsPointer(ref data), (byte*)RuntimeHelpers.GetObjectAddress(obj) + sizeof(nint), type->BaseSize - (uint)(2 * sizeof(nint)));
        }

        public static void RhUnboxTypeTest(MethodTable* type, MethodTable* boxType)
        {
            if (type != boxType) throw new InvalidCastException();
        }
    }

    // Allocation entry points implemented by the kernel's heap (Kernel/Runtime/Allocator.cs).
    internal static unsafe class RuntimeImports
    {
        [RuntimeImport("*", "RhpNewFast")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern object NewObject(MethodTable* type);

        [RuntimeImport("*", "RhpNewArrayFast")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern object NewArray(MethodTable* type, int length);
    }
}
