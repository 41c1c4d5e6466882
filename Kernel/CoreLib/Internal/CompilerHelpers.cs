using System;
using System.Runtime;
using Internal.Runtime;
using System.Runtime.CompilerServices;

namespace Internal.Runtime.CompilerHelpers
{
    // Entry points ILCompiler calls when generated code needs to raise an exception.
    internal static class ThrowHelpers
    {
        internal static void ThrowFeatureBodyRemoved() => throw new NotSupportedException("feature removed by the compiler");
        internal static void ThrowIndexOutOfRangeException() => throw new IndexOutOfRangeException();
        internal static void ThrowNullReferenceException() => throw new NullReferenceException();
        internal static void ThrowDivideByZeroException() => throw new DivideByZeroException();
        internal static void ThrowOverflowException() => throw new OverflowException();
        internal static void ThrowArgumentOutOfRangeException() => throw new ArgumentOutOfRangeException();
        internal static void ThrowArgumentException() => throw new ArgumentException();
        internal static void ThrowPlatformNotSupportedException() => throw new PlatformNotSupportedException();
        internal static void ThrowNotImplementedException() => throw new NotImplementedException();
        internal static void ThrowInvalidOperationException() => throw new InvalidOperationException();
        internal static void ThrowInvalidCastException() => throw new InvalidCastException();
        internal static void ThrowTypeLoadException() => throw new NotSupportedException("type load");
        internal static void ThrowTypeLoadExceptionWithArgument() => throw new NotSupportedException("type load");
        internal static void ThrowMissingMethodException() => throw new NotSupportedException("missing method");
        internal static void ThrowMissingFieldException() => throw new NotSupportedException("missing field");
        internal static void ThrowFileNotFoundException() => throw new NotSupportedException("file not found");
        internal static void ThrowBadImageFormatException() => throw new NotSupportedException("bad image");
        internal static void ThrowInvalidProgramException() => throw new NotSupportedException("invalid program");
        internal static void ThrowInvalidProgramExceptionWithArgument() => throw new NotSupportedException("invalid program");
        internal static void ThrowMarshalDirectiveException() => throw new NotSupportedException("marshal directive");
        internal static void ThrowAmbiguousMatchException() => throw new NotSupportedException("ambiguous match");
    }

    // ldtoken: type handles are MethodTable pointers, method and field handles the compiler's
    // opaque signature pointers (only consumed by intrinsics such as InitializeArray).
    internal static unsafe class LdTokenHelpers
    {
        private static RuntimeTypeHandle GetRuntimeTypeHandle(IntPtr pEEType) => new RuntimeTypeHandle(pEEType);

        private static RuntimeMethodHandle GetRuntimeMethodHandle(IntPtr pHandleSignature)
        {
            RuntimeMethodHandle value;
            *(IntPtr*)&value = pHandleSignature;
            return value;
        }

        private static RuntimeFieldHandle GetRuntimeFieldHandle(IntPtr pHandleSignature)
        {
            RuntimeFieldHandle value;
            *(IntPtr*)&value = pHandleSignature;
            return value;
        }

        private static Type GetRuntimeType(IntPtr pEEType) => new RuntimeType(pEEType);
    }

    // Shared generic code (e.g. a default interface method of IFoo<__Canon>) finds its exact
    // interface type through the object's interface map.
    internal static unsafe class SharedCodeHelpers
    {
        public static MethodTable* GetOrdinalInterface(MethodTable* pType, ushort interfaceIndex) => pType->InterfaceMap[interfaceIndex];

        public static MethodTable* GetCurrentSharedThunkContext() => null;
    }

    // ILCompiler requires the type to exist; module start-up is done by Kernel.Runtime.Startup.
    internal static class StartupCodeHelpers { }
}

namespace System.Runtime
{
    internal static unsafe class TypeCast
    {
        private static MethodTable* MT(object o) => o.GetMethodTable();

        private static bool IsParameterized(MethodTable* mt) => (mt->CombinedFlags & 0x0003_0000) == 0x0002_0000;

        internal static bool IsAssignableToClass(MethodTable* source, MethodTable* target)
        {
            if (IsParameterized(source))
            {
                if (source == target) return true;
                if (IsParameterized(target)) return IsArrayCovariant(source, target);
                // Arrays derive from System.Array, which derives from Object: neither has a base.
                return target->RelatedType == null && IsBaseOfArrays(target);
            }
            for (MethodTable* t = source; t != null; t = t->RelatedType)
                if (t == target) return true;
            // Delegate variance: Func<string> is a Func<object>.
            if (target->IsGeneric && target->HasGenericVariance)
                for (MethodTable* t = source; t != null; t = t->RelatedType)
                    if (IsVariantMatch(t, target)) return true;
            return false;
        }

        // string[] is an object[]: same-rank arrays whose reference-type elements are assignable.
        private static bool IsArrayCovariant(MethodTable* source, MethodTable* target)
        {
            if (source->ElementType != target->ElementType || source->BaseSize != target->BaseSize) return false;
            MethodTable* from = source->RelatedType, to = target->RelatedType;
            if (from == to) return true;
            return !from->IsValueType && !to->IsValueType && IsAssignable(from, to);
        }

        private static bool IsBaseOfArrays(MethodTable* target)
            => target == MethodTable.Of<object>() || target == MethodTable.Of<Array>();

        internal static bool ImplementsInterface(MethodTable* source, MethodTable* target)
        {
            MethodTable** map = source->InterfaceMap;
            for (int i = 0; i < source->NumInterfaces; i++)
                if (map[i] == target) return true;
            if (!target->IsGeneric || !target->HasGenericVariance) return false;
            if (IsVariantMatch(source, target)) return true;   // source is itself an interface
            for (int i = 0; i < source->NumInterfaces; i++)
                if (IsVariantMatch(map[i], target)) return true;
            return false;
        }

        // True when `implemented` (e.g. IEnumerable<string>) can stand for `requested` (e.g.
        // IEnumerable<object>) through the variance of their common generic definition. Interface
        // dispatch uses it too, after looking for the exact interface.
        internal static bool IsVariantMatch(MethodTable* implemented, MethodTable* requested)
        {
            if (implemented == requested) return true;
            if (!implemented->IsGeneric || !requested->IsGeneric || !requested->HasGenericVariance) return false;
            if (implemented->GenericDefinition != requested->GenericDefinition) return false;
            int arity = requested->GenericArity;
            for (int i = 0; i < arity; i++)
            {
                MethodTable* from = implemented->GenericArgument(i), to = requested->GenericArgument(i);
                if (from == to) continue;
                byte variance = requested->GenericVariance(i);
                if (variance == 1 || variance == 0x20)
                {
                    if (from->IsValueType || !IsAssignable(from, to)) return false;
                }
                else if (variance == 2)
                {
                    if (to->IsValueType || !IsAssignable(to, from)) return false;
                }
                else return false;
            }
            return true;
        }

        internal static bool IsAssignable(MethodTable* source, MethodTable* target)
        {
            if (source == target) return true;
            if (target->ElementType == ElementTypes.Interface) return ImplementsInterface(source, target);
            return IsAssignableToClass(source, target) || ImplementsInterface(source, target);
        }

        public static object? IsInstanceOfClass(MethodTable* target, object? obj)
            => obj is null || IsAssignableToClass(MT(obj), target) ? obj : null;

        public static object? IsInstanceOfInterface(MethodTable* target, object? obj)
            => obj is null || ImplementsInterface(MT(obj), target) ? obj : null;

        public static object? IsInstanceOfAny(MethodTable* target, object? obj)
            => obj is null || IsAssignable(MT(obj), target) ? obj : null;

        public static bool IsInstanceOfException(MethodTable* target, object? obj)
            => obj is not null && IsAssignableToClass(MT(obj), target);

        public static object? CheckCastAny(MethodTable* target, object? obj)
        {
            if (obj is null || IsAssignable(MT(obj), target)) return obj;
            throw new InvalidCastException();
        }

        public static object? CheckCastInterface(MethodTable* target, object? obj)
        {
            if (obj is null || ImplementsInterface(MT(obj), target)) return obj;
            throw new InvalidCastException();
        }

        public static object? CheckCastClass(MethodTable* target, object? obj)
        {
            if (obj is null || IsAssignableToClass(MT(obj), target)) return obj;
            throw new InvalidCastException();
        }

        public static object CheckCastClassSpecial(MethodTable* target, object obj)
        {
            if (IsAssignableToClass(MT(obj), target)) return obj;
            throw new InvalidCastException();
        }

        public static void StelemRef(object?[] array, nint index, object? obj)
        {
            if ((nuint)index >= (nuint)array.Length) throw new IndexOutOfRangeException();
            ref object? slot = ref Unsafe.As<byte, object?>(ref ArrayData.GetRawData(array));
            slot = ref Unsafe.Add(ref slot, index);
            if (obj is not null)
            {
                MethodTable* element = MT(array)->RelatedType;
                if (!IsAssignable(MT(obj), element)) throw new ArrayTypeMismatchException(); // as .NET: a covariant array store
            }
            Kernel.Runtime.WriteBarrier.Store(ref slot, obj);
        }

        public static ref object? LdelemaRef(object?[] array, nint index, MethodTable* elementType)
        {
            if ((nuint)index >= (nuint)array.Length) throw new IndexOutOfRangeException();
            if (MT(array)->RelatedType != elementType) throw new ArrayTypeMismatchException();
            ref object? slot = ref Unsafe.As<byte, object?>(ref ArrayData.GetRawData(array));
            return ref Unsafe.Add(ref slot, index);
        }
    }
}
