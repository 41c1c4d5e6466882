namespace Kernel.Runtime
{
    // The image's own symbol table (.ksyms, generated at link time by Boot/symtab.awk), so a
    // panic names methods instead of printing bare addresses. Reading it never allocates.
    // Names are front-coded (each shares a prefix with its predecessor, with a full name at the
    // start of every block) and byte-pair encoded, because the table is loaded with every image.
    internal static unsafe class Symbols
    {
        private const int MaxName = 255;
        private const int FirstToken = 128;

        // Writes "Name+0xoffset" for the code symbol containing `address`, or nothing if the
        // image has no table or the address is outside the code.
        internal static void WriteName(nint address)
        {
            nint table = Native.SymbolsStart();
            if (Native.SymbolsEnd() - table < 8 || !Panic.IsCode(address)) return;
            long count = *(uint*)table;
            int shift = ((byte*)table)[4], tokens = ((byte*)table)[5];
            uint* addresses = (uint*)((byte*)table + 8);
            uint* blocks = addresses + count;
            byte* pairs = (byte*)(blocks + ((count + (1L << shift) - 1) >> shift));
            byte* records = pairs + tokens * 2;
            long lo = 0, hi = count - 1, found = -1;
            while (lo <= hi)
            {
                long mid = (lo + hi) / 2;
                if (addresses[mid] <= (ulong)address) { found = mid; lo = mid + 1; }
                else hi = mid - 1;
            }
            if (found < 0) return;

            // Rebuild the names from the block's first (whole) one up to the one found.
            byte* name = stackalloc byte[MaxName];
            int length = 0;
            byte* record = records + blocks[found >> shift];
            for (long i = found >> shift << shift; i <= found; i++)
            {
                int shared = record[0], own = record[1];
                if (shared < length) length = shared;
                for (int j = 0; j < own; j++) Expand(record[2 + j], pairs, tokens, name, ref length);
                record += 2 + own;
            }
            for (int i = 0; i < length; i++) SerialConsole.WriteByte(name[i]);
            SerialConsole.Write("+");
            SerialConsole.WriteHex((ulong)address - addresses[found], minimumDigits: 1);
        }

        // A byte below 128 is itself; token 128 + t is the pair stored for it, each half a byte or
        // an earlier token (so the depth is at most the token count).
        private static void Expand(byte code, byte* pairs, int tokens, byte* name, ref int length)
        {
            if (code < FirstToken || code - FirstToken >= tokens)
            {
                if (length < MaxName) name[length++] = code;
                return;
            }
            byte* pair = pairs + (code - FirstToken) * 2;
            // Halves must come before the token: a damaged table cannot recurse forever.
            if (pair[0] >= code || pair[1] >= code) return;
            Expand(pair[0], pairs, tokens, name, ref length);
            Expand(pair[1], pairs, tokens, name, ref length);
        }
    }
}
