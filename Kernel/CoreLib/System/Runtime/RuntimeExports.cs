using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System.Runtime
{
    // Boxing helpers that ILCompiler calls by name. Nullable<T> boxes to a boxed T or null, and
    // unboxing accepts an enum and its underlying primitive interchangeably, as on .NET.
    internal static unsafe class RuntimeExports
    {
        public static object? RhBox(MethodTable* type, ref byte data)
        {
            if (type->IsNullable)
            {
                if (data == 0) return null;
                MethodTable* underlying = type->NullableType;
                return BoxRaw(underlying, ref Unsafe.Add(ref data, type->NullableValueOffset));
            }
            return BoxRaw(type, ref data);
        }

        private static object BoxRaw(MethodTable* type, ref byte data)
        {
            object result = RuntimeImports.NewObject(type);
            Buffer.Memmove(DataOf(result), (byte*)Unsafe.AsPointer(ref data), type->ValueTypeSize);
            return result;
        }

        public static void RhUnboxNullable(ref byte data, MethodTable* type, object? obj)
        {
            MethodTable* underlying = type->NullableType;
            if (obj is null)
            {
                SpanHelpers.ClearWithoutReferences(ref data, type->ValueTypeSize);
                return;
            }
            if (!IsUnboxCompatible(obj.GetMethodTable(), underlying)) throw new InvalidCastException();
            data = 1;
            Buffer.Memmove((byte*)Unsafe.AsPointer(ref data) + type->NullableValueOffset, DataOf(obj), underlying->ValueTypeSize);
        }

        public static void RhUnbox2(MethodTable* type, object obj, ref byte data)
        {
            if (!IsUnboxCompatible(obj.GetMethodTable(), type)) throw new InvalidCastException();
            Buffer.Memmove((byte*)Unsafe.AsPointer(ref data), DataOf(obj), type->ValueTypeSize);
        }

        public static void RhUnboxTypeTest(MethodTable* type, MethodTable* boxType)
        {
            if (!IsUnboxCompatible(boxType, type)) throw new InvalidCastException();
        }

        private static bool IsUnboxCompatible(MethodTable* boxed, MethodTable* target)
        {
            if (boxed == target) return true;
            int kind = boxed->ElementType;
            return ElementTypes.IsPrimitive(kind) && kind == target->ElementType;
        }

        private static byte* DataOf(object o) => (byte*)RuntimeHelpers.GetObjectAddress(o) + sizeof(nint);
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
