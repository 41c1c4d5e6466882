namespace Kernel.Runtime
{
    // COM1 at 0x3F8. Each byte waits for THR-empty (LSR bit 5): without it QEMU's FIFO drops
    // bytes once the guest runs at native speed (TCG is slow enough to hide it; KVM is not).
    public static class SerialConsole
    {
        private const ushort Port = 0x3F8;

        public static void WriteByte(byte b)
        {
            while ((Native.InB(Port + 5) & 0x20) == 0) { }
            Native.OutB(Port, b);
        }

        public static void Write(string s)
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\n') WriteByte((byte)'\r');
                WriteByte(c < 0x80 ? (byte)c : (byte)'?');
            }
        }

        public static void WriteLine(string s)
        {
            Write(s);
            Write("\n");
        }

        public static void WriteDecimal(ulong value)
        {
            System.Span<byte> buf = stackalloc byte[20];
            int pos = 20;
            do { buf[--pos] = (byte)('0' + (int)(value % 10)); value /= 10; } while (value != 0);
            for (int i = pos; i < 20; i++) WriteByte(buf[i]);
        }

        /// <summary>Writes 0x and at least <paramref name="minimumDigits"/> hex digits (16 by default).</summary>
        public static void WriteHex(ulong value, int minimumDigits = 16)
        {
            Write("0x");
            bool started = false;
            for (int shift = 60; shift >= 0; shift -= 4)
            {
                int d = (int)((value >> shift) & 0xf);
                if (d == 0 && !started && shift >= minimumDigits * 4) continue;
                started = true;
                WriteByte((byte)(d < 10 ? '0' + d : 'a' + d - 10));
            }
        }
    }
}
