namespace Kernel.Runtime
{
    // The image's own symbol table (.ksyms, generated at link time by Boot/symtab.awk), so a
    // panic names methods instead of printing bare addresses. Reading it never allocates.
    internal static unsafe class Symbols
    {
        // Writes "Name+0xoffset" for the code symbol containing `address`, or nothing if the
        // image has no table or the address is outside the code.
        internal static void WriteName(nint address)
        {
            nint table = Native.SymbolsStart();
            if (Native.SymbolsEnd() - table < 8 || !Panic.IsCode(address)) return;
            long count = *(long*)table;
            byte* entries = (byte*)table + 8;
            byte* names = entries + count * 16;
            long lo = 0, hi = count - 1, found = -1;
            while (lo <= hi)
            {
                long mid = (lo + hi) / 2;
                if (*(long*)(entries + mid * 16) <= address) { found = mid; lo = mid + 1; }
                else hi = mid - 1;
            }
            if (found < 0) return;
            byte* entry = entries + found * 16;
            byte* name = names + *(uint*)(entry + 8);
            uint length = *(uint*)(entry + 12);
            for (uint i = 0; i < length; i++) SerialConsole.WriteByte(name[i]);
            SerialConsole.Write("+");
            SerialConsole.WriteHex((ulong)(address - *(long*)entry), minimumDigits: 1);
        }
    }
}
