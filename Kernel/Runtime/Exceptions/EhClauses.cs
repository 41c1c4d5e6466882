using Internal.Runtime;

namespace Kernel.Runtime.Exceptions
{
    internal enum EhClauseKind
    {
        Typed = 0,   // catch (T)
        Fault = 1,   // finally (and IL fault blocks)
        Filter = 2,  // catch when (...)
    }

    internal unsafe struct EhClause
    {
        public uint TryStart, TryEnd, HandlerOffset, FilterOffset;
        public EhClauseKind Kind;
        public MethodTable* CatchType;

        internal readonly bool Contains(uint codeOffset) => codeOffset >= TryStart && codeOffset < TryEnd;
    }

    // What ILCompiler's ObjectWriter puts behind each FDE's LSDA pointer, and the EH clauses it
    // leads to (the NativeAOT format, verified against the objects ILCompiler 10.0.14 writes):
    //   main method: u8 flags [, rel32 associated data] [, rel32 EH info] [, GC info]
    //   funclet:     u8 flags (1 = handler, 2 = filter), rel32 to the main method's LSDA,
    //                u32 offset of the funclet from the main method's start
    //   EH info:     count, then per clause: try start, (try length << 2 | kind), handler offset,
    //                then rel32 to the catch type's MethodTable (typed) or the filter offset
    //                (filter); all numbers in NativeReader's variable-length unsigned encoding.
    // Clause offsets are from the main method's start; inner try regions come first.
    internal unsafe struct MethodEh
    {
        private const byte FlagHandler = 1, FlagFilter = 2, FlagHasEhInfo = 4, FlagHasAssociatedData = 0x10;

        public nint MethodStart;
        public byte* Clauses; // at the clause count, or null: the method has no try regions
        public bool IsFunclet, IsFilter;

        internal static MethodEh FromLsda(byte* lsda, nint codeStart)
        {
            var eh = new MethodEh { MethodStart = codeStart };
            if (lsda == null) return eh;
            byte flags = *lsda;
            if ((flags & (FlagHandler | FlagFilter)) != 0)
            {
                eh.IsFunclet = true;
                eh.IsFilter = (flags & FlagFilter) != 0;
                byte* main = lsda + 1 + *(int*)(lsda + 1);
                eh.MethodStart = codeStart - (nint)(*(uint*)(lsda + 5));
                lsda = main;
                flags = *lsda;
            }
            byte* p = lsda + 1;
            if ((flags & FlagHasAssociatedData) != 0) p += 4;
            if ((flags & FlagHasEhInfo) != 0) eh.Clauses = p + *(int*)p;
            return eh;
        }

        // Positions `p` at the first clause and returns how many there are.
        internal readonly int BeginClauses(out byte* p)
        {
            p = Clauses;
            return p == null ? 0 : (int)ReadUnsigned(ref p);
        }

        internal static EhClause Read(ref byte* p)
        {
            var clause = new EhClause();
            clause.TryStart = ReadUnsigned(ref p);
            uint lengthAndKind = ReadUnsigned(ref p);
            clause.TryEnd = clause.TryStart + (lengthAndKind >> 2);
            clause.Kind = (EhClauseKind)(lengthAndKind & 3);
            clause.HandlerOffset = ReadUnsigned(ref p);
            if (clause.Kind == EhClauseKind.Typed)
            {
                clause.CatchType = (MethodTable*)(p + *(int*)p);
                p += 4;
            }
            else if (clause.Kind == EhClauseKind.Filter)
            {
                clause.FilterOffset = ReadUnsigned(ref p);
            }
            return clause;
        }

        // NativeReader's unsigned encoding: the count of low one-bits in the first byte says how
        // many more bytes follow (0-3), or 0x0F: a 4-byte value follows.
        internal static uint ReadUnsigned(ref byte* p)
        {
            uint b0 = p[0];
            if ((b0 & 1) == 0) { p += 1; return b0 >> 1; }
            if ((b0 & 2) == 0) { uint v = (b0 >> 2) | ((uint)p[1] << 6); p += 2; return v; }
            if ((b0 & 4) == 0) { uint v = (b0 >> 3) | ((uint)p[1] << 5) | ((uint)p[2] << 13); p += 3; return v; }
            if ((b0 & 8) == 0) { uint v = (b0 >> 4) | ((uint)p[1] << 4) | ((uint)p[2] << 12) | ((uint)p[3] << 20); p += 4; return v; }
            uint w = *(uint*)(p + 1);
            p += 5;
            return w;
        }
    }
}
