using System;
using System.Runtime;
using Internal.Runtime;

namespace Kernel.Runtime
{
    // Allocation helpers ILCompiler calls by symbol name. A bump allocator over the memory after
    // the image; the garbage collector replaces it (issue 3).
    internal static unsafe class Allocator
    {
        private static nint s_next;
        private static nint s_limit;

        internal static void Initialize(nint start, nint limit)
        {
            s_next = (start + 15) & ~(nint)15;
            s_limit = limit;
        }

        private static object Allocate(MethodTable* type, nuint size)
        {
            size = (size + 7) & ~(nuint)7;
            nint p = s_next;
            if ((nuint)(s_limit - p) < size) Panic.Fail("out of memory");
            s_next = p + (nint)size;
            SpanHelpers.ClearWithoutReferences(ref *(byte*)p, size);
            *(MethodTable**)p = type;
            return System.Runtime.CompilerServices.Unsafe.As<nint, object>(ref p);
        }

        [RuntimeExport("RhpNewFast")]
        private static object NewFast(MethodTable* type) => Allocate(type, type->BaseSize);

        [RuntimeExport("RhpNewFinalizable")]
        private static object NewFinalizable(MethodTable* type) => Allocate(type, type->BaseSize);

        [RuntimeExport("RhpNewArrayFast")]
        private static object NewArrayFast(MethodTable* type, nint length) => NewArrayCore(type, length);

        [RuntimeExport("RhpNewPtrArrayFast")]
        private static object NewPtrArrayFast(MethodTable* type, nint length) => NewArrayCore(type, length);

        [RuntimeExport("RhpNewArray")]
        private static object NewArray(MethodTable* type, nint length) => NewArrayCore(type, length);

        [RuntimeExport("RhNewString")]
        private static object NewString(MethodTable* type, nint length) => NewArrayCore(type, length);

        private static object NewArrayCore(MethodTable* type, nint length)
        {
            if (length < 0) Panic.Fail("negative array length");
            object o = Allocate(type, type->BaseSize + (nuint)length * type->ComponentSize);
            *(int*)((byte*)System.Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(o) + sizeof(nint)) = (int)length;
            return o;
        }
    }

    internal static unsafe class WriteBarrier
    {
        internal static void Store(ref object? slot, object? value) => slot = value;

        [RuntimeExport("RhpAssignRef")]
        private static void AssignRef(void** dst, void* value) => *dst = value;

        [RuntimeExport("RhpCheckedAssignRef")]
        private static void CheckedAssignRef(void** dst, void* value) => *dst = value;
    }
}
