using System.Runtime.InteropServices;

namespace Internal.Runtime
{
    // The 24-byte MethodTable header that ILCompiler emits for every type (PLATFORM.md part A §3.2).
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MethodTable
    {
        internal ushort ComponentSize;
        internal ushort Flags;
        internal uint BaseSize;
        internal MethodTable* RelatedType;
        internal ushort NumVtableSlots;
        internal ushort NumInterfaces;
        internal uint HashCode;

        internal const uint HasComponentSizeFlag = 0x8000_0000;
        internal const uint ContainsGCPointersFlag = 0x0100_0000;
        internal const uint HasDispatchMapFlag = 0x0004_0000;
        internal const uint HasFinalizerFlag = 0x0010_0000;
        internal const uint HasSealedVTableFlag = 0x0040_0000;

        internal uint CombinedFlags => ((uint)Flags << 16) | ComponentSize;

        internal bool HasComponentSize => (CombinedFlags & HasComponentSizeFlag) != 0;

        internal bool ContainsGCPointers => (CombinedFlags & ContainsGCPointersFlag) != 0;

        internal MethodTable* BaseType => RelatedType;

        internal MethodTable** InterfaceMap => (MethodTable**)((byte*)Unsafe(this) + sizeof(MethodTable) + NumVtableSlots * sizeof(nint));

        private static MethodTable* Unsafe(in MethodTable mt)
        {
            fixed (MethodTable* p = &mt) return p;
        }

        // The JIT expands this intrinsic (NI_Internal_Runtime_MethodTable_Of) to the type's MethodTable.
        [System.Runtime.CompilerServices.Intrinsic]
        internal static MethodTable* Of<T>() => null;
    }

    internal static unsafe class ArrayData
    {
        // Elements start after the MethodTable pointer and the 8-byte length/padding.
        internal static ref byte GetRawData(System.Array array)
            => ref *((byte*)System.Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(array) + 16);
    }
}
