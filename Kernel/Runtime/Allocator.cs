using System.Runtime;
using Internal.Runtime;

namespace Kernel.Runtime
{
    // Allocation helpers ILCompiler calls by symbol name; all of them go to the collector's heap.
    internal static unsafe class Allocator
    {
        private static object Allocate(MethodTable* type, nuint size)
        {
            nint p = GarbageCollector.Allocate(type, size);
            return System.Runtime.CompilerServices.Unsafe.As<nint, object>(ref p);
        }

        [RuntimeExport("RhpNewFast")]
        private static object NewFast(MethodTable* type) => Allocate(type, type->BaseSize);

        // No finalizers run (none of our types needs one); the object is an ordinary one.
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
            if (length < 0 || length > int.MaxValue) Panic.Fail("array length out of range (negative or above int.MaxValue)", ExitCodes.Panic);
            nint p = GarbageCollector.Allocate(type, type->BaseSize + (nuint)length * type->ComponentSize);
            *(int*)(p + sizeof(nint)) = (int)length;
            return System.Runtime.CompilerServices.Unsafe.As<nint, object>(ref p);
        }
    }

    // The collector is non-generational and non-incremental: a store needs no barrier.
    internal static unsafe class WriteBarrier
    {
        internal static void Store(ref object? slot, object? value) => slot = value;

        [RuntimeExport("RhpAssignRef")]
        private static void AssignRef(void** dst, void* value) => *dst = value;

        [RuntimeExport("RhpCheckedAssignRef")]
        private static void CheckedAssignRef(void** dst, void* value) => *dst = value;
    }
}
