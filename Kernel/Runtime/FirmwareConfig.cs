namespace Kernel.Runtime
{
    /// <summary>
    /// QEMU's fw_cfg device through its legacy I/O ports (selector 0x510, data 0x511; the same on
    /// -M microvm and pc): how the host hands the guest named files without the kernel command
    /// line, which every process on the host can read in /proc/PID/cmdline. Summoner passes the
    /// service's settings as the file <c>opt/summoner/env</c>.
    /// </summary>
    public static class FirmwareConfig
    {
        private const ushort SelectorPort = 0x510;
        private const ushort DataPort = 0x511;
        private const ushort SignatureKey = 0x0000;
        private const ushort FileDirectoryKey = 0x0019;
        private const int NameLength = 56;

        /// <summary>True when the device answers with its "QEMU" signature.</summary>
        public static bool Present
        {
            get
            {
                Native.OutW(SelectorPort, SignatureKey);
                return Native.InB(DataPort) == 'Q' && Native.InB(DataPort) == 'E' && Native.InB(DataPort) == 'M' && Native.InB(DataPort) == 'U';
            }
        }

        /// <summary>The named file's bytes; null when there is no device or no such file. A file
        /// larger than <paramref name="maxBytes"/> is refused (<paramref name="tooLarge"/> set).</summary>
        public static byte[]? ReadFile(string name, int maxBytes, out bool tooLarge)
        {
            tooLarge = false;
            if (!Present) return null;
            Native.OutW(SelectorPort, FileDirectoryKey);
            uint count = ReadBigEndian32();
            // Each entry: size (u32 BE), select (u16 BE), reserved (u16), name (56 bytes, NUL-padded).
            for (uint i = 0; i < count; i++)
            {
                uint size = ReadBigEndian32();
                ushort select = (ushort)((Native.InB(DataPort) << 8) | Native.InB(DataPort));
                Native.InB(DataPort);
                Native.InB(DataPort);
                bool match = true;
                for (int k = 0; k < NameLength; k++)
                {
                    byte b = Native.InB(DataPort);
                    char expected = k < name.Length ? name[k] : '\0';
                    if (b != expected) match = false;
                }
                if (!match) continue;
                if (size > (uint)maxBytes)
                {
                    tooLarge = true;
                    return null;
                }
                var data = new byte[size];
                Native.OutW(SelectorPort, select);
                for (int k = 0; k < data.Length; k++) data[k] = Native.InB(DataPort);
                return data;
            }
            return null;
        }

        private static uint ReadBigEndian32()
        {
            uint v = 0;
            for (int k = 0; k < 4; k++) v = (v << 8) | Native.InB(DataPort);
            return v;
        }
    }
}
