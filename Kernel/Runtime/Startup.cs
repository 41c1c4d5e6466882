using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace Kernel.Runtime
{
    // Walks the ReadyToRun header(s) in the __modules section: allocates GC static bases and runs
    // eager class constructors and module initializers. Without this, statics silently stay zero.
    internal static unsafe class Startup
    {
        private const uint R2RSignature = 0x00525452;
        private const int GCStaticRegion = 201;
        private const int EagerCctor = 205;
        private const int ModuleInitializerList = 213;

        internal static void InitializeModules()
        {
            for (nint* m = (nint*)Native.ModulesStart(); m < (nint*)Native.ModulesEnd(); m++)
            {
                byte* header = (byte*)*m;
                if (header == null || *(uint*)header != R2RSignature) Panic.Fail("bad ReadyToRun header");
                InitializeGCStatics(header);
                RunRelativeFunctionList(header, EagerCctor);
                RunRelativeFunctionList(header, ModuleInitializerList);
            }
        }

        private static bool FindSection(byte* header, int id, out byte* start, out byte* end)
        {
            ushort count = *(ushort*)(header + 12);
            byte entrySize = header[14];
            byte* row = header + 16;
            for (int i = 0; i < count; i++, row += entrySize)
            {
                if (*(int*)row == id)
                {
                    start = *(byte**)(row + 8);
                    end = *(byte**)(row + 16);
                    return true;
                }
            }
            start = end = null;
            return false;
        }

        private static void InitializeGCStatics(byte* header)
        {
            if (!FindSection(header, GCStaticRegion, out byte* start, out byte* end)) return;
            for (int* p = (int*)start; p < (int*)end; p++)
            {
                nint* block = (nint*)((byte*)p + *p);
                nint value = *block;
                int* rel = (int*)block;
                if ((value & 1) == 0) continue; // already initialized
                int mtRel = rel[0] & ~3;
                MethodTable* mt = (MethodTable*)((byte*)rel + mtRel);
                object obj = System.Runtime.RuntimeImports.NewObject(mt);
                if ((value & 2) != 0)
                {
                    byte* data = (byte*)(rel + 1) + rel[1];
                    System.Buffer.Memmove((byte*)RuntimeHelpers.GetObjectAddress(obj) + sizeof(nint), data, mt->BaseSize - (uint)(2 * sizeof(nint)));
                }
                *block = RuntimeHelpers.GetObjectAddress(obj);
            }
        }

        private static void RunRelativeFunctionList(byte* header, int id)
        {
            if (!FindSection(header, id, out byte* start, out byte* end)) return;
            for (int* p = (int*)start; p < (int*)end; p++)
            {
                delegate*<void> fn = (delegate*<void>)((byte*)p + *p);
                fn();
            }
        }
    }
}
