using System.Runtime.CompilerServices;

namespace System.Collections.Generic
{
    public abstract class EqualityComparer<T> : IEqualityComparer<T>, IEqualityComparer
    {
        // [Intrinsic] lets the JIT devirtualize Default.Equals/GetHashCode for exact types.
        public static EqualityComparer<T> Default { [Intrinsic] get; } = Create();

        // ILCompiler replaces this body for every exact instantiation (ComparerIntrinsics): it news up
        // StringEqualityComparer, EnumEqualityComparer<T>, NullableEqualityComparer<U>,
        // GenericEqualityComparer<T> (T : IEquatable<T>) or ObjectEqualityComparer<T>. The body
        // below only runs for shared reference-type code, where Equals(object) is the right answer.
        [Intrinsic]
        private static EqualityComparer<T> Create() => new ObjectEqualityComparer<T>();

        public abstract bool Equals(T? x, T? y);

        public abstract int GetHashCode([Diagnostics.CodeAnalysis.DisallowNull] T obj);

        bool IEqualityComparer.Equals(object? x, object? y)
        {
            if (x == y) return true;
            if (x is null || y is null) return false;
            if (x is T a && y is T b) return Equals(a, b);
            throw new ArgumentException("Type of argument is not compatible with the generic comparer.");
        }

        int IEqualityComparer.GetHashCode(object obj)
        {
            if (obj is null) return 0;
            if (obj is T t) return GetHashCode(t);
            throw new ArgumentException("Type of argument is not compatible with the generic comparer.");
        }
    }

    public sealed class GenericEqualityComparer<T> : EqualityComparer<T> where T : IEquatable<T>?
    {
        public override bool Equals(T? x, T? y)
        {
            if (x is not null) return y is not null && x.Equals(y);
            return y is null;
        }

        public override int GetHashCode(T obj) => obj?.GetHashCode() ?? 0;

        public override bool Equals(object? obj) => obj is GenericEqualityComparer<T>;

        public override int GetHashCode() => 0x4745_4331;
    }

    public sealed class ObjectEqualityComparer<T> : EqualityComparer<T>
    {
        public override bool Equals(T? x, T? y)
        {
            if (x is not null) return y is not null && x.Equals(y);
            return y is null;
        }

        public override int GetHashCode(T obj) => obj?.GetHashCode() ?? 0;

        public override bool Equals(object? obj) => obj is ObjectEqualityComparer<T>;

        public override int GetHashCode() => 0x4f45_4331;
    }

    public sealed class StringEqualityComparer : EqualityComparer<string>
    {
        public override bool Equals(string? x, string? y) => string.Equals(x, y);

        public override int GetHashCode(string obj) => obj?.GetHashCode() ?? 0;

        public override bool Equals(object? obj) => obj is StringEqualityComparer;

        public override int GetHashCode() => 0x5345_4331;
    }

    public sealed class NullableEqualityComparer<T> : EqualityComparer<T?> where T : struct
    {
        public override bool Equals(T? x, T? y)
        {
            if (x.HasValue) return y.HasValue && EqualityComparer<T>.Default.Equals(x.GetValueOrDefault(), y.GetValueOrDefault());
            return !y.HasValue;
        }

        public override int GetHashCode(T? obj) => obj.HasValue ? EqualityComparer<T>.Default.GetHashCode(obj.GetValueOrDefault()) : 0;

        public override bool Equals(object? obj) => obj is NullableEqualityComparer<T>;

        public override int GetHashCode() => 0x4e45_4331;
    }

    // Enums compare and hash by their underlying integer, read at the enum's own size (no boxing).
    public sealed class EnumEqualityComparer<T> : EqualityComparer<T> where T : struct, Enum
    {
        public override bool Equals(T x, T y) => ToInt64(ref x) == ToInt64(ref y);

        public override int GetHashCode(T obj)
        {
            long v = ToInt64(ref obj);
            return Unsafe.SizeOf<T>() == 8 ? (int)v ^ (int)(v >> 32) : (int)v;
        }

        private static long ToInt64(ref T value) => Unsafe.SizeOf<T>() switch
        {
            1 => Unsafe.As<T, byte>(ref value),
            2 => Unsafe.As<T, ushort>(ref value),
            4 => Unsafe.As<T, int>(ref value),
            _ => Unsafe.As<T, long>(ref value),
        };

        public override bool Equals(object? obj) => obj is EnumEqualityComparer<T>;

        public override int GetHashCode() => 0x454e_4331;
    }
}
