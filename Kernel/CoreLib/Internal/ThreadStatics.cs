using System.Runtime.CompilerServices;

namespace Internal.Runtime
{
    // [ThreadStatic] support for the guest's single thread. ILCompiler describes each type's thread
    // statics with a MethodTable listed in the ThreadStaticRegion section; the storage is an object
    // of that type, allocated on first access and kept alive by s_blocks (a GC static, so a root).
    // Images are compiled with --noinlinetls, so generated code calls GetThreadStaticBaseForType
    // instead of reading an ELF TLS slot (which would need an FS base the kernel does not set up).
    internal static unsafe class ThreadStatics
    {
        private const int ThreadStaticRegion = 202;

        private static object?[]? s_blocks;
        private static object? s_inlinedBlock;

        internal static object GetThreadStaticBaseForType(TypeManagerSlot* pModuleData, int typeTlsIndex)
        {
            if (typeTlsIndex < 0) return s_inlinedBlock ?? AllocateInlinedBlock();
            object?[] blocks = s_blocks ??= new object?[RegionLength()];
            return blocks[typeTlsIndex] ??= Allocate(typeTlsIndex);
        }

        // Used when the compiler inlines TLS access (the default without --noinlinetls).
        internal static object GetInlinedThreadStaticBaseSlow(ref object? threadStorage)
        {
            object block = s_inlinedBlock ?? AllocateInlinedBlock();
            threadStorage = block;
            return block;
        }

        private static object AllocateInlinedBlock() => s_inlinedBlock = Allocate(0);

        private static int RegionLength()
        {
            ModuleSections.Find(ThreadStaticRegion, out int length);
            return length / sizeof(nint);
        }

        private static object Allocate(int typeTlsIndex)
        {
            MethodTable* layout = (MethodTable*)ModuleSections.Find(ThreadStaticRegion, out _)[typeTlsIndex];
            return System.Runtime.RuntimeImports.NewObject(layout);
        }
    }

    internal struct TypeManagerSlot
    {
        public nint TypeManager;
        public int ModuleIndex;
    }

    // Sections of the image's ReadyToRun header; the guest links one module.
    internal static unsafe class ModuleSections
    {
        private const uint R2RSignature = 0x00525452;

        internal static nint* Find(int id, out int length)
        {
            byte* header = (byte*)*(nint*)Kernel.Runtime.Native.ModulesStart();
            if (*(uint*)header != R2RSignature) throw new System.InvalidOperationException("bad ReadyToRun header");
            ushort count = *(ushort*)(header + 12);
            byte entrySize = header[14];
            byte* row = header + 16;
            for (int i = 0; i < count; i++, row += entrySize)
            {
                if (*(int*)row != id) continue;
                byte* start = *(byte**)(row + 8);
                length = (int)(*(byte**)(row + 16) - start);
                return (nint*)start;
            }
            throw new System.InvalidOperationException("ReadyToRun section missing");
        }
    }
}
