using System.Runtime.InteropServices;

namespace Internal.Runtime
{
    // The 24-byte MethodTable header that ILCompiler emits for every type.
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

        // Primitive kind of the type (for enums: of the underlying type); see ElementTypes.
        internal int ElementType => (int)((CombinedFlags >> 26) & 0x1f);

        internal bool IsNullable => ElementType == ElementTypes.Nullable;

        // For non-array types the low 16 bits hold the extended flags.
        private ushort FlagsEx => ComponentSize;

        // Bytes of a value type's fields, without the padding its boxed form carries (the boxed
        // size is header + MethodTable pointer + fields + padding).
        internal uint ValueTypeSize => BaseSize - (uint)(2 * sizeof(nint)) - (uint)((FlagsEx & 0xe0) >> 5);

        internal int NullableValueOffset => 1 << ((FlagsEx & 0x700) >> 8);

        internal const uint IsGenericFlag = 0x0200_0000;

        internal bool IsGeneric => (CombinedFlags & IsGenericFlag) != 0;

        internal const uint HasGenericVarianceFlag = 0x0080_0000;

        internal bool HasGenericVariance => (CombinedFlags & HasGenericVarianceFlag) != 0;

        private const uint KindMask = 0x0003_0000, GenericTypeDefinitionKind = 0x0003_0000;

        internal bool IsGenericTypeDefinition => (CombinedFlags & KindMask) == GenericTypeDefinitionKind;

        // Value types (incl. enums and Nullable) sort below Class in the element-type order.
        internal bool IsValueType => ElementType < ElementTypes.Class;

        // The optional fields after the vtable and interface map are 4-byte relative pointers, in
        // this order: TypeManager, WritableData, DispatchMap?, Finalizer?, SealedVTable?,
        // GenericDefinition? (instantiations), GenericComposition? (instantiations: the argument,
        // or a list of them when there are several; variant definitions: the variance bytes).
        private byte* OptionalSlot(bool composition)
        {
            uint flags = CombinedFlags;
            byte* slot = (byte*)Unsafe(this) + sizeof(MethodTable) + (NumVtableSlots + NumInterfaces) * sizeof(nint) + 8;
            if ((flags & HasDispatchMapFlag) != 0) slot += 4;
            if ((flags & HasFinalizerFlag) != 0) slot += 4;
            if ((flags & HasSealedVTableFlag) != 0) slot += 4;
            if (composition && IsGeneric) slot += 4;
            return slot;
        }

        private static byte* Follow(byte* slot) => slot + *(int*)slot;

        // Only for instantiated generic types (IsGeneric).
        internal MethodTable* GenericDefinition => (MethodTable*)Follow(OptionalSlot(false));

        // A generic definition's BaseSize holds its parameter count.
        internal int GenericArity => (ushort)GenericDefinition->BaseSize;

        internal MethodTable* GenericArgument(int index)
        {
            byte* slot = OptionalSlot(true);
            if (GenericArity == 1) return (MethodTable*)Follow(slot);
            int* list = (int*)Follow(slot);
            return (MethodTable*)Follow((byte*)(list + index));
        }

        // Variance of the definition's parameter: 0 none, 1 covariant (out), 2 contravariant (in),
        // 0x20 array-style covariance.
        internal byte GenericVariance(int index)
        {
            MethodTable* definition = GenericDefinition;
            if (!definition->HasGenericVariance) return 0;
            return Follow(definition->OptionalSlot(true))[index];
        }

        // The underlying T of Nullable<T>: its only generic argument.
        internal MethodTable* NullableType => GenericArgument(0);

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

    internal static class ElementTypes
    {
        internal const int Boolean = 0x02, Char = 0x03, SByte = 0x04, Byte = 0x05, Int16 = 0x06, UInt16 = 0x07,
            Int32 = 0x08, UInt32 = 0x09, Int64 = 0x0a, UInt64 = 0x0b, IntPtr = 0x0c, UIntPtr = 0x0d,
            ValueType = 0x10, Nullable = 0x12, Class = 0x14, Interface = 0x15;

        internal static bool IsPrimitive(int elementType) => elementType >= Boolean && elementType <= UIntPtr;
    }

    internal static unsafe class ArrayData
    {
        // Elements start after the MethodTable pointer and the 8-byte length/padding.
        internal static ref byte GetRawData(System.Array array)
            => ref *((byte*)System.Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(array) + 16);
    }
}
