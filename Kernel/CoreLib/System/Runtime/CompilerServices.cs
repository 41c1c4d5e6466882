namespace System.Runtime.CompilerServices
{
    public static class RuntimeFeature
    {
        public const string DefaultImplementationsOfInterfaces = nameof(DefaultImplementationsOfInterfaces);
        public const string VirtualStaticsInInterfaces = nameof(VirtualStaticsInInterfaces);
        public const string UnmanagedSignatureCallingConvention = nameof(UnmanagedSignatureCallingConvention);
        public const string CovariantReturnsOfClasses = nameof(CovariantReturnsOfClasses);
        public const string ByRefFields = nameof(ByRefFields);
        public const string ByRefLikeGenerics = nameof(ByRefLikeGenerics);
        public const string NumericIntPtr = nameof(NumericIntPtr);
    }

    public enum MethodImplOptions
    {
        Unmanaged = 4, NoInlining = 8, ForwardRef = 16, Synchronized = 32, NoOptimization = 64,
        PreserveSig = 128, AggressiveInlining = 256, AggressiveOptimization = 512, InternalCall = 4096,
    }

    [AttributeUsage(AttributeTargets.Constructor | AttributeTargets.Method)]
    public sealed class MethodImplAttribute : Attribute
    {
        public MethodImplAttribute(MethodImplOptions options) { }
    }

    public static class IsVolatile { }
    public static class IsConst { }
    public sealed class IsReadOnlyAttribute : Attribute { }
    public sealed class IsByRefLikeAttribute : Attribute { }
    public sealed class IsUnmanagedAttribute : Attribute { }
    public sealed class ExtensionAttribute : Attribute { }
    public sealed class CompilerGeneratedAttribute : Attribute { }
    public sealed class NullableAttribute : Attribute { public NullableAttribute(byte b) { } public NullableAttribute(byte[] b) { } }
    public sealed class NullableContextAttribute : Attribute { public NullableContextAttribute(byte b) { } }
    public sealed class NullablePublicOnlyAttribute : Attribute { public NullablePublicOnlyAttribute(bool b) { } }
    public sealed class RefSafetyRulesAttribute : Attribute { public RefSafetyRulesAttribute(int version) { } }
    public sealed class ScopedRefAttribute : Attribute { }
    public sealed class IntrinsicAttribute : Attribute { }
    public sealed class InlineArrayAttribute : Attribute { public InlineArrayAttribute(int length) { } }
    public sealed class RequiredMemberAttribute : Attribute { }
    public sealed class CompilerFeatureRequiredAttribute : Attribute { public CompilerFeatureRequiredAttribute(string featureName) { } }
    public sealed class SetsRequiredMembersAttribute : Attribute { }
    public sealed class IndexerNameAttribute : Attribute { public IndexerNameAttribute(string indexerName) { } }
    public sealed class FixedBufferAttribute : Attribute { public FixedBufferAttribute(Type elementType, int length) { } }
    public sealed class UnsafeValueTypeAttribute : Attribute { }
    public sealed class TupleElementNamesAttribute : Attribute { public TupleElementNamesAttribute(string[] names) { } }
    public sealed class CallerArgumentExpressionAttribute : Attribute { public CallerArgumentExpressionAttribute(string parameterName) { } }
    public sealed class CallerMemberNameAttribute : Attribute { }
    public sealed class CallerFilePathAttribute : Attribute { }
    public sealed class CallerLineNumberAttribute : Attribute { }
    public sealed class SkipLocalsInitAttribute : Attribute { }
    public sealed class ModuleInitializerAttribute : Attribute { }
    public static class IsExternalInit { }

    // Views ILCompiler's stubs use to reach the data after an object's MethodTable pointer.
    internal sealed class RawData
    {
        public byte Data;
    }

    internal sealed class RawArrayData
    {
        public uint Length;
        public uint Padding;
        public byte Data;
    }

    public static unsafe class RuntimeHelpers
    {
        public static int OffsetToStringData => sizeof(nint) + sizeof(int);

        internal static nint GetObjectAddress(object o) => *(nint*)Unsafe.AsPointer(ref o);

        [Intrinsic]
        public static bool IsReferenceOrContainsReferences<T>() => true;

        // ILCompiler expands `new T[] { constants }` into a copy from the image (an intrinsic).
        [Intrinsic]
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void InitializeArray(Array array, RuntimeFieldHandle fldHandle);
    }

    public static unsafe class Unsafe
    {
        [Intrinsic] public static extern T As<T>(object? value) where T : class?;
        [Intrinsic] public static extern ref TTo As<TFrom, TTo>(ref TFrom source);
        [Intrinsic] public static extern ref T Add<T>(ref T source, int elementOffset);
        [Intrinsic] public static extern ref T Add<T>(ref T source, nint elementOffset);
        [Intrinsic] public static extern ref T AddByteOffset<T>(ref T source, nint byteOffset);
        [Intrinsic] public static extern void* AsPointer<T>(ref T value);
        [Intrinsic] public static extern ref T AsRef<T>(void* source);
        [Intrinsic] public static extern ref T AsRef<T>(scoped ref readonly T source);
        [Intrinsic] public static extern int SizeOf<T>();
        [Intrinsic] public static extern T Read<T>(void* source);
        [Intrinsic] public static extern void Write<T>(void* destination, T value);
        [Intrinsic] public static extern bool IsNullRef<T>(ref readonly T source);
        [Intrinsic] public static extern ref T NullRef<T>();
        [Intrinsic] public static extern bool AreSame<T>(ref readonly T left, ref readonly T right);
        [Intrinsic] public static extern nint ByteOffset<T>(ref readonly T origin, ref readonly T target);
        [Intrinsic] public static extern bool IsAddressLessThan<T>(ref readonly T left, ref readonly T right);
        [Intrinsic] public static extern bool IsAddressGreaterThan<T>(ref readonly T left, ref readonly T right);
        [Intrinsic] public static extern ref T Subtract<T>(ref T source, int elementOffset);
        [Intrinsic] public static extern T ReadUnaligned<T>(ref readonly byte source);
        [Intrinsic] public static extern void WriteUnaligned<T>(ref byte destination, T value);
        [Intrinsic] public static extern void SkipInit<T>(out T value);
    }
}

namespace System.Runtime.InteropServices
{
    using System.Runtime.CompilerServices;

    public enum LayoutKind { Sequential = 0, Explicit = 2, Auto = 3 }

    public enum CharSet { None = 1, Ansi = 2, Unicode = 3, Auto = 4 }

    public sealed class StructLayoutAttribute : Attribute
    {
        public StructLayoutAttribute(LayoutKind layoutKind) { }
        public int Pack;
        public int Size;
        public CharSet CharSet;
    }

    public sealed class FieldOffsetAttribute : Attribute { public FieldOffsetAttribute(int offset) { } }

    public sealed class InAttribute : Attribute { }
    public sealed class OutAttribute : Attribute { }

    public sealed class UnmanagedCallersOnlyAttribute : Attribute
    {
        public string? EntryPoint;
        public Type[]? CallConvs;
    }

    public sealed class DllImportAttribute : Attribute
    {
        public DllImportAttribute(string dllName) { }
        public string? EntryPoint;
    }

    // ILCompiler substitutes the body; it only has to exist.
    public interface IDynamicInterfaceCastable
    {
        internal static unsafe IntPtr GetDynamicInterfaceImplementation(IDynamicInterfaceCastable instance, Internal.Runtime.MethodTable* interfaceType, ushort slot) => default;
    }

    // Only what blittable code needs: the guest has no marshalling layer.
    public static class Marshal
    {
        public static int SizeOf<T>() where T : struct => Unsafe.SizeOf<T>();
    }

    public static class MemoryMarshal
    {
        public static ref T GetReference<T>(Span<T> span) => ref span._reference;
        public static ref T GetReference<T>(ReadOnlySpan<T> span) => ref span._reference;

        public static ref T GetArrayDataReference<T>(T[] array)
            => ref Unsafe.As<byte, T>(ref Internal.Runtime.ArrayData.GetRawData(array));

        public static Span<T> CreateSpan<T>(ref T reference, int length) => new Span<T>(ref reference, length);

        public static ReadOnlySpan<T> CreateReadOnlySpan<T>(ref readonly T reference, int length)
            => new ReadOnlySpan<T>(ref Unsafe.AsRef(in reference), length);

        public static Span<TTo> Cast<TFrom, TTo>(Span<TFrom> span) where TFrom : struct where TTo : struct
            => new Span<TTo>(ref Unsafe.As<TFrom, TTo>(ref span._reference), (int)((long)span.Length * Unsafe.SizeOf<TFrom>() / Unsafe.SizeOf<TTo>()));

        public static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span) where TFrom : struct where TTo : struct
            => new ReadOnlySpan<TTo>(ref Unsafe.As<TFrom, TTo>(ref span._reference), (int)((long)span.Length * Unsafe.SizeOf<TFrom>() / Unsafe.SizeOf<TTo>()));

        public static Span<byte> AsBytes<T>(Span<T> span) where T : struct => Cast<T, byte>(span);

        public static ReadOnlySpan<byte> AsBytes<T>(ReadOnlySpan<T> span) where T : struct => Cast<T, byte>(span);
    }
}

namespace System.Runtime
{
    // Marks a method exported under a plain symbol name (no transition frame); used for the
    // helpers ILCompiler calls (RhpNewFast, ...) and for kmain.
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RuntimeExportAttribute : Attribute
    {
        public RuntimeExportAttribute(string entry) { }
    }

    // Marks an extern method that binds to a native symbol in the boot stub.
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RuntimeImportAttribute : Attribute
    {
        public RuntimeImportAttribute(string lib) { }
        public RuntimeImportAttribute(string lib, string entry) { }
    }
}
