namespace Kernel.Runtime
{
    /// <summary>
    /// The kernel command line (QEMU -append, libvirt &lt;cmdline&gt;) as space-separated
    /// key=value settings. A key without '=' has the empty string as its value; when a key
    /// repeats, the last one wins.
    /// </summary>
    public static unsafe class CommandLine
    {
        private const int Capacity = 4096;

        private struct Text
        {
            public fixed byte Bytes[Capacity];
        }

        // A copy in .bss: the loader's copy sits in RAM the page allocator may hand out, and the
        // heap is sized from it before the heap exists, so reading it must not allocate.
        private static Text s_text;
        private static int s_length;
        private static string? s_raw;

        public static string Raw => s_raw ??= Substring(0, s_length);

        internal static void Initialize(byte* text)
        {
            if (text == null) return;
            int n = 0;
            while (n < Capacity - 1 && text[n] != 0) n++;
            for (int i = 0; i < n; i++) s_text.Bytes[i] = text[i];
            s_length = n;
        }

        /// <summary>Value of <c>key=value</c> for <paramref name="key"/>; null if absent.</summary>
        public static string? Get(string key)
            => Find(key, out int start, out int end) ? Substring(start, end) : null;

        /// <summary>
        /// A byte count such as <c>heap=8M</c> (suffix K, M or G: powers of 1024). Returns
        /// <paramref name="fallback"/> if the key is absent; a malformed value is a panic that
        /// names the key. Does not allocate.
        /// </summary>
        public static long GetSize(string key, long fallback)
        {
            if (!Find(key, out int start, out int end) || start == end) return fallback;
            long value = 0;
            int i = start;
            for (; i < end && s_text.Bytes[i] >= '0' && s_text.Bytes[i] <= '9'; i++)
                value = value * 10 + (s_text.Bytes[i] - '0');
            int shift = -1;
            if (i == end) shift = 0;
            else if (i == end - 1 && i > start)
            {
                byte unit = s_text.Bytes[i];
                shift = unit == 'K' || unit == 'k' ? 10 : unit == 'M' || unit == 'm' ? 20 : unit == 'G' || unit == 'g' ? 30 : -1;
            }
            if (shift < 0 || i == start) MalformedSize(key);
            return value << shift;
        }

        // Runs before the heap exists (heap= itself), so it writes the pieces instead of
        // concatenating a message.
        private static void MalformedSize(string key)
        {
            Panic.Begin();
            SerialConsole.Write("kernel command line: ");
            SerialConsole.Write(key);
            SerialConsole.Write("= must be digits with an optional K, M or G suffix (e.g. ");
            SerialConsole.Write(key);
            SerialConsole.WriteLine("=16M)");
            Power.Exit(ExitCodes.Panic);
        }

        private static bool Find(string key, out int valueStart, out int valueEnd)
        {
            bool found = false;
            valueStart = valueEnd = 0;
            int i = 0;
            while (i < s_length)
            {
                while (i < s_length && s_text.Bytes[i] == ' ') i++;
                int start = i;
                while (i < s_length && s_text.Bytes[i] != ' ') i++;
                if (i == start || !KeyMatches(start, i, key)) continue;
                found = true;
                int after = start + key.Length;
                valueStart = after == i ? i : after + 1;
                valueEnd = i;
            }
            return found;
        }

        private static bool KeyMatches(int start, int end, string key)
        {
            if (end - start < key.Length) return false;
            for (int k = 0; k < key.Length; k++)
                if (s_text.Bytes[start + k] != key[k]) return false;
            return start + key.Length == end || s_text.Bytes[start + key.Length] == '=';
        }

        private static string Substring(int start, int end)
        {
            string s = string.FastAllocate(end - start);
            for (int i = start; i < end; i++)
                System.Runtime.CompilerServices.Unsafe.Add(ref s.FirstChar, i - start) = (char)s_text.Bytes[i];
            return s;
        }
    }
}
