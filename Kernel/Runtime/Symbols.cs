namespace Kernel.Runtime
{
    // The image's own symbol table (.ksyms, generated at link time by Boot/symtab.awk), so a
    // panic names methods instead of printing bare addresses. Reading it never allocates.
    // Names are front-coded (each shares a prefix with its predecessor, with a full name every
    // RestartInterval entries) because the table is loaded with every image.
    internal static unsafe class Symbols
    {
        private const long RestartInterval = 16;
        private const int EntrySize = 8;

        // Writes "Name+0xoffset" for the code symbol containing `address`, or nothing if the
        // image has no table or the address is outside the code.
        internal static void WriteName(nint address)
        {
            nint table = Native.SymbolsStart();
            if (Native.SymbolsEnd() - table < 8 || !Panic.IsCode(address)) return;
            long count = *(uint*)table;
            byte* entries = (byte*)table + 8;
            long lo = 0, hi = count - 1, found = -1;
            while (lo <= hi)
            {
                long mid = (lo + hi) / 2;
                if (*(uint*)(entries + mid * EntrySize) <= (ulong)address) { found = mid; lo = mid + 1; }
                else hi = mid - 1;
            }
            if (found < 0) return;
            WritePrefix(entries, entries + count * EntrySize, found, int.MaxValue);
            SerialConsole.Write("+");
            SerialConsole.WriteHex((ulong)address - *(uint*)(entries + found * EntrySize), minimumDigits: 1);
        }

        // Writes the first `length` bytes of entry `index`'s name: the part it shares with its
        // predecessor comes from there (at most RestartInterval - 1 levels deep), the rest is its own.
        private static void WritePrefix(byte* entries, byte* records, long index, int length)
        {
            byte* record = records + *(uint*)(entries + index * EntrySize + 4);
            int shared = record[0], own = record[1];
            if (shared > 0 && index % RestartInterval != 0)
                WritePrefix(entries, records, index - 1, shared < length ? shared : length);
            for (int i = 0; i < own && shared + i < length; i++) SerialConsole.WriteByte(record[2 + i]);
        }
    }
}
