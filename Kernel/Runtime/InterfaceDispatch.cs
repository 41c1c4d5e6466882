using System.Runtime;
using Internal.Runtime;

namespace Kernel.Runtime
{
    // Resolves interface calls through ILCompiler's dispatch cells.
    // Called by the RhpInitialDynamicInterfaceDispatch thunk in the boot stub.
    internal static unsafe class InterfaceDispatch
    {
        [RuntimeExport("kern_resolve_itf")]
        private static nint Resolve(nint thisPtr, nint* cell)
        {
            MethodTable* type = *(MethodTable**)thisPtr;
            // Find the terminator cell: {0, (cellType << 16) | slot}.
            nint* c = cell;
            while (c[0] != 0) c += 2;
            ushort slot = (ushort)(c[1] & 0xffff);
            nint cache = cell[1];
            MethodTable* itf = (cache & 3) == 3
                ? (MethodTable*)((byte*)&cell[1] + (int)(cache & ~(nint)3))
                : (MethodTable*)cache;
            // Implementations the types declare win over default interface methods, as in .NET's
            // DispatchResolve: search the whole hierarchy for the former before the latter.
            // Exact interface matches first, then variant ones (IEnumerable<string> as IEnumerable<object>).
            for (int pass = 0; pass < 4; pass++)
            {
                for (MethodTable* t = type; t != null; t = t->RelatedType)
                {
                    nint target = FindInType(type, t, itf, slot, defaults: (pass & 1) == 1, variant: pass >= 2);
                    if (target != 0) return target;
                }
            }
            Panic.Fail("interface method not found");
            return 0;
        }

        private static int RelativeFieldsOffset(MethodTable* t)
            => sizeof(MethodTable) + (t->NumVtableSlots + t->NumInterfaces) * sizeof(nint);

        // Dispatch map: u16 counts {standard, default, static standard, static default}, then the
        // entries {interface index, interface slot, implementation slot} in that order.
        private static nint FindInType(MethodTable* objectType, MethodTable* t, MethodTable* itf, ushort slot, bool defaults, bool variant)
        {
            uint flags = t->CombinedFlags;
            if ((flags & MethodTable.HasDispatchMapFlag) == 0) return 0;
            byte* relFields = (byte*)t + RelativeFieldsOffset(t);
            int* dispatchMapRel = (int*)(relFields + 8); // after TypeManager and WritableData
            ushort* map = (ushort*)((byte*)dispatchMapRel + *dispatchMapRel);
            int first = defaults ? map[0] : 0;
            int count = defaults ? map[1] : map[0];
            ushort* entry = map + 4 + first * 3;
            MethodTable** itfMap = t->InterfaceMap;
            for (int i = 0; i < count; i++, entry += 3)
            {
                if (entry[1] != slot) continue;
                if (itfMap[entry[0]] != itf && !(variant && System.Runtime.TypeCast.IsVariantMatch(itfMap[entry[0]], itf))) continue;
                ushort impl = entry[2];
                if (impl >= 0xFFFE) Panic.Fail("interface method is reabstracted or ambiguous (diamond) for this type");
                if (impl < t->NumVtableSlots)
                    return ((nint*)((byte*)objectType + sizeof(MethodTable)))[impl];
                int* sealedRel = (int*)(relFields + 8 + 4
                    + ((flags & MethodTable.HasFinalizerFlag) != 0 ? 4 : 0));
                int* sealedTable = (int*)((byte*)sealedRel + *sealedRel);
                int* sealedSlot = sealedTable + (impl - t->NumVtableSlots);
                return (nint)((byte*)sealedSlot + *sealedSlot);
            }
            return 0;
        }
    }
}
