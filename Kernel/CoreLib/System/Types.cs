namespace System
{
    public abstract class ValueType { }

    public abstract class Enum : ValueType { }

    public struct Nullable<T> where T : struct
    {
        private readonly bool _hasValue;
        private T _value;

        public Nullable(T value) { _hasValue = true; _value = value; }

        public readonly bool HasValue => _hasValue;

        public readonly T Value
        {
            get
            {
                if (!_hasValue)
                    Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowInvalidOperationException();
                return _value;
            }
        }

        public readonly T GetValueOrDefault() => _value;

        public static implicit operator T?(T value) => new T?(value);

        #pragma warning disable CS8629 // the operator throws for null, as on .NET
        public static explicit operator T(T? value) => value.Value;
#pragma warning restore CS8629
    }

    public struct RuntimeTypeHandle { private readonly IntPtr _value; internal RuntimeTypeHandle(IntPtr v) { _value = v; } internal IntPtr Value => _value; }
    public struct RuntimeMethodHandle { private readonly IntPtr _value; }
    public struct RuntimeFieldHandle { private readonly IntPtr _value; }

    public abstract class Type
    {
        public static Type? GetTypeFromHandle(RuntimeTypeHandle handle) => null;
    }

    // ILC asks for System.RuntimeType once a method allocates or casts.
    internal sealed class RuntimeType : Type { }

    public interface IDisposable { void Dispose(); }

    public interface IEquatable<T> { bool Equals(T other); }

    public interface IComparable<in T> { int CompareTo(T? other); }

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
    }

    public sealed class CLSCompliantAttribute : Attribute { public CLSCompliantAttribute(bool isCompliant) { } }
}
