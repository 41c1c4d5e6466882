using System.Runtime.InteropServices;

namespace System.Runtime.CompilerServices
{
    // ILCompiler emits one per type with a lazy static constructor; a non-zero address means "not yet run".
    [StructLayout(LayoutKind.Sequential)]
    public struct StaticClassConstructionContext
    {
        public IntPtr cctorMethodAddress;
    }

    // Its presence makes ILCompiler run static constructors lazily, on first access, instead of all
    // at start-up. One thread: the context is marked done before the constructor runs, so a cycle
    // (A's cctor touching B whose cctor touches A) sees A as initialized, as .NET does on one thread.
    internal static unsafe class ClassConstructorRunner
    {
        private static object CheckStaticClassConstructionReturnGCStaticBase(StaticClassConstructionContext* context, object gcStaticBase)
        {
            EnsureClassConstructorRun(context);
            return gcStaticBase;
        }

        private static IntPtr CheckStaticClassConstructionReturnNonGCStaticBase(StaticClassConstructionContext* context, IntPtr nonGcStaticBase)
        {
            EnsureClassConstructorRun(context);
            return nonGcStaticBase;
        }

        private static object CheckStaticClassConstructionReturnThreadStaticBase(Internal.Runtime.TypeManagerSlot* pModuleData, int typeTlsIndex, StaticClassConstructionContext* context)
        {
            object threadStaticBase = Internal.Runtime.ThreadStatics.GetThreadStaticBaseForType(pModuleData, typeTlsIndex);
            EnsureClassConstructorRun(context);
            return threadStaticBase;
        }

        public static void EnsureClassConstructorRun(StaticClassConstructionContext* context)
        {
            IntPtr cctor = context->cctorMethodAddress;
            if (cctor == 0) return;
            context->cctorMethodAddress = 0;
            ((delegate*<void>)cctor)();
        }
    }
}
