namespace System
{
    public abstract class ValueType { }

    // No metadata for names in the guest: an enum formats as its number, so only "D" and "X" (and
    // ToString of enums without names) print what .NET prints.
    public abstract unsafe class Enum : ValueType, IFormattable
    {
        public override string ToString() => ToString(null, null);

        public string ToString(string? format) => ToString(format, null);

        public string ToString(string? format, IFormatProvider? provider)
        {
            Internal.Runtime.MethodTable* mt = GetMethodTable();
            byte* data = (byte*)Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(this) + sizeof(nint);
            int bits;
            long signedValue;
            ulong unsignedValue;
            bool signed = true;
            switch (mt->ElementType)
            {
                case Internal.Runtime.ElementTypes.SByte: bits = 8; signedValue = *(sbyte*)data; break;
                case Internal.Runtime.ElementTypes.Byte: bits = 8; signedValue = *data; signed = false; break;
                case Internal.Runtime.ElementTypes.Int16: bits = 16; signedValue = *(short*)data; break;
                case Internal.Runtime.ElementTypes.UInt16: bits = 16; signedValue = *(ushort*)data; signed = false; break;
                case Internal.Runtime.ElementTypes.UInt32: bits = 32; signedValue = *(uint*)data; signed = false; break;
                case Internal.Runtime.ElementTypes.Int64: bits = 64; signedValue = *(long*)data; break;
                case Internal.Runtime.ElementTypes.UInt64: bits = 64; signedValue = *(long*)data; signed = false; break;
                default: bits = 32; signedValue = *(int*)data; break;
            }
            unsignedValue = (ulong)signedValue;
            if (format is "X" or "x")
                return Number.FormatHex(unsignedValue & (bits == 64 ? ulong.MaxValue : (1UL << bits) - 1), bits / 4, format == "X");
            if (format is not (null or "" or "G" or "g" or "D" or "d"))
                throw new FormatException("Format string can be only \"G\", \"g\", \"X\", \"x\", \"F\", \"f\", \"D\" or \"d\".");
            return signed ? Number.FormatSigned(signedValue, null, 64) : Number.FormatUnsigned(unsignedValue, null);
        }
    }

    public struct Nullable<T> where T : struct
    {
        // ILCompiler looks these fields up by name ('hasValue', 'value').
        private readonly bool hasValue;
        private T value;

        public Nullable(T value) { hasValue = true; this.value = value; }

        public readonly bool HasValue => hasValue;

        public readonly T Value
        {
            get
            {
                if (!hasValue)
                    Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowInvalidOperationException();
                return value;
            }
        }

        public readonly T GetValueOrDefault() => value;

        public readonly T GetValueOrDefault(T defaultValue) => hasValue ? this.value : defaultValue;

        public override bool Equals(object? other) => hasValue ? value.Equals(other) : other is null;

        public override int GetHashCode() => hasValue ? value.GetHashCode() : 0;

        public override string? ToString() => hasValue ? value.ToString() : "";

        public static implicit operator T?(T value) => new T?(value);

        #pragma warning disable CS8629 // the operator throws for null, as on .NET
        public static explicit operator T(T? value) => value.Value;
#pragma warning restore CS8629
    }

    public struct RuntimeTypeHandle { private readonly IntPtr _value; internal RuntimeTypeHandle(IntPtr v) { _value = v; } internal IntPtr Value => _value; }
    public struct RuntimeMethodHandle { private readonly IntPtr _value; }
    public struct RuntimeFieldHandle { private readonly IntPtr _value; }

    // No reflection in the guest: a Type is only its MethodTable, enough for typeof(A) == typeof(B).
    public abstract class Type
    {
        internal abstract IntPtr TypeHandleValue { get; }

        public RuntimeTypeHandle TypeHandle => new RuntimeTypeHandle(TypeHandleValue);

        public static Type? GetTypeFromHandle(RuntimeTypeHandle handle) => handle.Value == 0 ? null : new RuntimeType(handle.Value);

        public static bool operator ==(Type? left, Type? right)
            => ReferenceEquals(left, right) || (left is not null && right is not null && left.TypeHandleValue == right.TypeHandleValue);

        public static bool operator !=(Type? left, Type? right) => !(left == right);

        public override bool Equals(object? o) => o is Type t && t.TypeHandleValue == TypeHandleValue;

        public override int GetHashCode() => TypeHandleValue.GetHashCode();
    }

    // ILC asks for System.RuntimeType once a method allocates or casts.
    internal sealed class RuntimeType : Type
    {
        private readonly IntPtr _handle;

        internal RuntimeType(IntPtr handle) { _handle = handle; }

        internal override IntPtr TypeHandleValue => _handle;
    }

    public interface IDisposable { void Dispose(); }

    public interface IEquatable<T> { bool Equals(T other); }

    public interface IComparable<in T> { int CompareTo(T? other); }

    public interface IComparable { int CompareTo(object? obj); }

    public class Attribute { }

    public enum AttributeTargets
    {
        Assembly = 1, Module = 2, Class = 4, Struct = 8, Enum = 16, Constructor = 32, Method = 64,
        Property = 128, Field = 256, Event = 512, Interface = 1024, Parameter = 2048,
        Delegate = 4096, ReturnValue = 8192, GenericParameter = 16384, All = 32767,
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = true)]
    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { }
        public bool AllowMultiple { get; set; }
        public bool Inherited { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class ParamArrayAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Enum)]
    public sealed class FlagsAttribute : Attribute { }

    public sealed class ObsoleteAttribute : Attribute
    {
        public ObsoleteAttribute() { }
        public ObsoleteAttribute(string message) { }
        public ObsoleteAttribute(string message, bool error) { }
    }

    public sealed class CLSCompliantAttribute : Attribute { public CLSCompliantAttribute(bool isCompliant) { } }
}
