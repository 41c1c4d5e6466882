using System.Runtime.CompilerServices;

namespace System.Collections.Generic
{
    public abstract class Comparer<T> : IComparer<T>
    {
        // As EqualityComparer<T>.Create: ILCompiler substitutes GenericComparer<T>, EnumComparer<T>,
        // NullableComparer<U> or ObjectComparer<T> for each exact instantiation.
        public static Comparer<T> Default { [Intrinsic] get; } = Create();

        [Intrinsic]
        private static Comparer<T> Create() => new ObjectComparer<T>();

        public static Comparer<T> Create(Comparison<T> comparison)
        {
            if (comparison is null) throw new ArgumentNullException(nameof(comparison));
            return new ComparisonComparer<T>(comparison);
        }

        public abstract int Compare(T? x, T? y);
    }

    internal sealed class ComparisonComparer<T> : Comparer<T>
    {
        private readonly Comparison<T> _comparison;

        public ComparisonComparer(Comparison<T> comparison) { _comparison = comparison; }

        public override int Compare(T? x, T? y) => _comparison(x!, y!);
    }

    public sealed class GenericComparer<T> : Comparer<T> where T : IComparable<T>?
    {
        public override int Compare(T? x, T? y)
        {
            if (x is not null) return y is null ? 1 : x.CompareTo(y);
            return y is null ? 0 : -1;
        }

        public override bool Equals(object? obj) => obj is GenericComparer<T>;

        public override int GetHashCode() => 0x4743_4331;
    }

    public sealed class ObjectComparer<T> : Comparer<T>
    {
        public override int Compare(T? x, T? y)
        {
            if (x is null) return y is null ? 0 : -1;
            if (y is null) return 1;
            if (x is IComparable<T> typed) return typed.CompareTo(y);
            if (x is IComparable untyped) return untyped.CompareTo(y);
            throw new ArgumentException("At least one object must implement IComparable.");
        }

        public override bool Equals(object? obj) => obj is ObjectComparer<T>;

        public override int GetHashCode() => 0x4f43_4331;
    }

    public sealed class NullableComparer<T> : Comparer<T?> where T : struct
    {
        public override int Compare(T? x, T? y)
        {
            if (x.HasValue) return y.HasValue ? Comparer<T>.Default.Compare(x.GetValueOrDefault(), y.GetValueOrDefault()) : 1;
            return y.HasValue ? -1 : 0;
        }

        public override bool Equals(object? obj) => obj is NullableComparer<T>;

        public override int GetHashCode() => 0x4e43_4331;
    }

    public sealed unsafe class EnumComparer<T> : Comparer<T> where T : struct, Enum
    {
        public override int Compare(T x, T y)
        {
            // Signedness comes from the enum's underlying type.
            int kind = Internal.Runtime.MethodTable.Of<T>()->ElementType;
            bool unsigned = kind == Internal.Runtime.ElementTypes.Byte || kind == Internal.Runtime.ElementTypes.UInt16
                || kind == Internal.Runtime.ElementTypes.UInt32 || kind == Internal.Runtime.ElementTypes.UInt64;
            long a = Read(ref x), b = Read(ref y);
            if (unsigned) return ((ulong)a).CompareTo((ulong)b);
            return a.CompareTo(b);
        }

        private static long Read(ref T value) => Unsafe.SizeOf<T>() switch
        {
            1 => Unsafe.As<T, sbyte>(ref value),
            2 => Unsafe.As<T, short>(ref value),
            4 => Unsafe.As<T, int>(ref value),
            _ => Unsafe.As<T, long>(ref value),
        };

        public override bool Equals(object? obj) => obj is EnumComparer<T>;

        public override int GetHashCode() => 0x454e_4332;
    }
}

namespace System
{
    public abstract class StringComparer : Collections.Generic.IComparer<string?>, Collections.Generic.IEqualityComparer<string?>
    {
        public static StringComparer Ordinal { get; } = new OrdinalComparer(false);

        public static StringComparer OrdinalIgnoreCase { get; } = new OrdinalComparer(true);

        public abstract int Compare(string? x, string? y);

        public abstract bool Equals(string? x, string? y);

        public abstract int GetHashCode(string obj);

        private sealed class OrdinalComparer : StringComparer
        {
            private readonly StringComparison _comparison;

            internal OrdinalComparer(bool ignoreCase) { _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal; }

            public override int Compare(string? x, string? y) => string.Compare(x, y, _comparison);

            public override bool Equals(string? x, string? y) => string.Equals(x, y, _comparison);

            public override int GetHashCode(string obj)
            {
                if (obj is null) throw new ArgumentNullException(nameof(obj));
                return obj.GetHashCode(_comparison);
            }
        }
    }
}
