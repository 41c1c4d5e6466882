using System.Runtime.CompilerServices;

namespace System
{
    // The collector is the kernel's non-moving mark-sweep (Kernel/Runtime/GarbageCollector.cs);
    // it has no finalization queue, so SuppressFinalize and ReRegisterForFinalize have nothing to do.
    public static class GC
    {
        public static void Collect() => Kernel.Runtime.Heap.Collect();

        public static void Collect(int generation) => Collect();

        public static long GetTotalMemory(bool forceFullCollection)
        {
            if (forceFullCollection) Collect();
            return Kernel.Runtime.Heap.Statistics.LiveBytes;
        }

        public static long GetTotalAllocatedBytes(bool precise = false) => Kernel.Runtime.Heap.Statistics.AllocatedBytes;

        public static int CollectionCount(int generation) => (int)Kernel.Runtime.Heap.Statistics.Collections;

        public static int MaxGeneration => 0;

        public static void SuppressFinalize(object obj)
        {
            if (obj is null) throw new ArgumentNullException(nameof(obj));
        }

        public static void ReRegisterForFinalize(object obj)
        {
            if (obj is null) throw new ArgumentNullException(nameof(obj));
        }

        // Keeps obj reachable up to this call: the call itself is the use.
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static void KeepAlive(object? obj) { }
    }
}

namespace System.Diagnostics
{
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
    public sealed class ConditionalAttribute : Attribute
    {
        public ConditionalAttribute(string conditionString) { ConditionString = conditionString; }
        public string ConditionString { get; }
    }

    // Calls vanish unless DEBUG is defined, as on .NET; a failed assert in a DEBUG build panics.
    public static class Debug
    {
        [Conditional("DEBUG")]
        public static void Assert([CodeAnalysis.DoesNotReturnIf(false)] bool condition) => Assert(condition, null);

        [Conditional("DEBUG")]
        public static void Assert([CodeAnalysis.DoesNotReturnIf(false)] bool condition, string? message)
        {
            if (!condition) Fail(message);
        }

        [Conditional("DEBUG")]
        public static void Fail(string? message) => throw new InvalidOperationException("Debug.Assert failed: " + message);

        [Conditional("DEBUG")]
        public static void WriteLine(string? message) => Kernel.Runtime.SerialConsole.WriteLine(message ?? "");
    }

    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Delegate | AttributeTargets.Enum | AttributeTargets.Assembly)]
    public sealed class DebuggerDisplayAttribute : Attribute
    {
        public DebuggerDisplayAttribute(string? value) { }
    }

    public sealed class DebuggerStepThroughAttribute : Attribute { }

    public sealed class DebuggerHiddenAttribute : Attribute { }

    public sealed class DebuggerNonUserCodeAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.All)]
    public sealed class StackTraceHiddenAttribute : Attribute { }
}
