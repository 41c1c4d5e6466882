namespace Kernel.Runtime
{
    // The PVH hvm_start_info structure QEMU (or qboot) leaves at ebx: magic, version, flags,
    // module list, command line, RSDP and (version >= 1) the E820-style memory map.
    internal static unsafe class BootInfo
    {
        internal const uint PvhMagic = 0x336ec578;
        internal const uint RamType = 1;

        private static byte* s_startInfo;

        internal static bool IsPvh => s_startInfo != null;

        internal static void Initialize(ulong startInfo)
        {
            if (startInfo != 0 && *(uint*)startInfo == PvhMagic) s_startInfo = (byte*)startInfo;
        }

        internal static byte* CommandLine => IsPvh ? (byte*)*(ulong*)(s_startInfo + 24) : null;

        internal static int MemoryMapEntries => IsPvh && *(uint*)(s_startInfo + 4) >= 1 ? (int)*(uint*)(s_startInfo + 48) : 0;

        // Entry layout: u64 address, u64 size, u32 type, u32 reserved.
        internal static void MemoryMapEntry(int index, out ulong address, out ulong size, out uint type)
        {
            byte* e = (byte*)*(ulong*)(s_startInfo + 40) + index * 24;
            address = *(ulong*)e;
            size = *(ulong*)(e + 8);
            type = *(uint*)(e + 16);
        }
    }
}
