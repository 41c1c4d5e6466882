using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace System
{
    public static class MemoryExtensions
    {
        public static Span<T> AsSpan<T>(this T[]? array) => new Span<T>(array);

        public static Span<T> AsSpan<T>(this T[]? array, int start)
        {
            if (array is null)
            {
                if (start != 0) throw new ArgumentOutOfRangeException(nameof(start));
                return default;
            }
            return new Span<T>(array, start, array.Length - start < 0 ? -1 : array.Length - start);
        }

        public static Span<T> AsSpan<T>(this T[]? array, int start, int length) => new Span<T>(array, start, length);

        // C# 14 lowers the string -> ReadOnlySpan<char> conversion to a call of this method, so it
        // must build the span itself rather than convert.
        public static ReadOnlySpan<char> AsSpan(this string? text)
            => text is null ? default : new ReadOnlySpan<char>(ref text.FirstChar, text.Length);

        public static ReadOnlySpan<char> AsSpan(this string? text, int start)
        {
            if (text is null)
            {
                if (start != 0) throw new ArgumentOutOfRangeException(nameof(start));
                return default;
            }
            return ((ReadOnlySpan<char>)text).Slice(start);
        }

        public static ReadOnlySpan<char> AsSpan(this string? text, int start, int length)
        {
            if (text is null)
            {
                if (start != 0 || length != 0) throw new ArgumentOutOfRangeException(nameof(start));
                return default;
            }
            return ((ReadOnlySpan<char>)text).Slice(start, length);
        }

        public static Memory<T> AsMemory<T>(this T[]? array) => new Memory<T>(array);

        public static Memory<T> AsMemory<T>(this T[]? array, int start) => new Memory<T>(array, start, (array?.Length ?? 0) - start);

        public static Memory<T> AsMemory<T>(this T[]? array, int start, int length) => new Memory<T>(array, start, length);

        public static ReadOnlyMemory<char> AsMemory(this string? text) => text is null ? default : new ReadOnlyMemory<char>(text, 0, text.Length);

        public static ReadOnlyMemory<char> AsMemory(this string? text, int start)
        {
            if (text is null) return start == 0 ? default : throw new ArgumentOutOfRangeException(nameof(start));
            if ((uint)start > (uint)text.Length) throw new ArgumentOutOfRangeException(nameof(start));
            return new ReadOnlyMemory<char>(text, start, text.Length - start);
        }

        public static ReadOnlyMemory<char> AsMemory(this string? text, int start, int length)
        {
            if (text is null) return start == 0 && length == 0 ? default : throw new ArgumentOutOfRangeException(nameof(start));
            if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)text.Length) throw new ArgumentOutOfRangeException(nameof(start));
            return new ReadOnlyMemory<char>(text, start, length);
        }

        public static void Reverse<T>(this Span<T> span)
        {
            for (int i = 0, j = span.Length - 1; i < j; i++, j--) (span[i], span[j]) = (span[j], span[i]);
        }

        public static int IndexOfAny<T>(this ReadOnlySpan<T> span, T value0, T value1) where T : IEquatable<T>?
        {
            for (int i = 0; i < span.Length; i++)
                if (ElementEquals(span[i], value0) || ElementEquals(span[i], value1)) return i;
            return -1;
        }

        public static int IndexOfAny<T>(this Span<T> span, T value0, T value1) where T : IEquatable<T>?
            => IndexOfAny((ReadOnlySpan<T>)span, value0, value1);

        public static int SequenceCompareTo<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> other) where T : IComparable<T>?
        {
            int n = span.Length < other.Length ? span.Length : other.Length;
            for (int i = 0; i < n; i++)
            {
                int c = span[i] is null ? (other[i] is null ? 0 : -1) : span[i]!.CompareTo(other[i]);
                if (c != 0) return c;
            }
            return span.Length.CompareTo(other.Length);
        }

        public static void Sort<T>(this Span<T> span) => Collections.Generic.ArraySortHelper<T>.Sort(span, Collections.Generic.Comparer<T>.Default.Compare);

        public static void Sort<T>(this Span<T> span, Comparison<T> comparison)
        {
            if (comparison is null) throw new ArgumentNullException(nameof(comparison));
            Collections.Generic.ArraySortHelper<T>.Sort(span, comparison);
        }

        public static bool SequenceEqual<T>(this Span<T> span, ReadOnlySpan<T> other) where T : IEquatable<T>?
            => SequenceEqual((ReadOnlySpan<T>)span, other);

        public static bool SequenceEqual<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> other) where T : IEquatable<T>?
        {
            if (span.Length != other.Length) return false;
            for (int i = 0; i < span.Length; i++)
                if (!ElementEquals(span[i], other[i])) return false;
            return true;
        }

        public static int IndexOf<T>(this Span<T> span, T value) where T : IEquatable<T>?
            => IndexOf((ReadOnlySpan<T>)span, value);

        public static int IndexOf<T>(this ReadOnlySpan<T> span, T value) where T : IEquatable<T>?
        {
            for (int i = 0; i < span.Length; i++)
                if (ElementEquals(span[i], value)) return i;
            return -1;
        }

        public static int IndexOf<T>(this Span<T> span, ReadOnlySpan<T> value) where T : IEquatable<T>?
            => IndexOf((ReadOnlySpan<T>)span, value);

        public static int IndexOf<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> value) where T : IEquatable<T>?
        {
            for (int i = 0; i + value.Length <= span.Length; i++)
                if (SequenceEqual(span.Slice(i, value.Length), value)) return i;
            return -1;
        }

        public static int LastIndexOf<T>(this ReadOnlySpan<T> span, T value) where T : IEquatable<T>?
        {
            for (int i = span.Length - 1; i >= 0; i--)
                if (ElementEquals(span[i], value)) return i;
            return -1;
        }

        public static int LastIndexOf<T>(this Span<T> span, T value) where T : IEquatable<T>?
            => LastIndexOf((ReadOnlySpan<T>)span, value);

        public static bool Contains<T>(this ReadOnlySpan<T> span, T value) where T : IEquatable<T>? => IndexOf(span, value) >= 0;

        public static bool Contains<T>(this Span<T> span, T value) where T : IEquatable<T>? => IndexOf((ReadOnlySpan<T>)span, value) >= 0;

        public static bool StartsWith<T>(this Span<T> span, ReadOnlySpan<T> value) where T : IEquatable<T>?
            => StartsWith((ReadOnlySpan<T>)span, value);

        public static bool StartsWith<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> value) where T : IEquatable<T>?
            => value.Length <= span.Length && SequenceEqual(span.Slice(0, value.Length), value);

        public static bool EndsWith<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> value) where T : IEquatable<T>?
            => value.Length <= span.Length && SequenceEqual(span.Slice(span.Length - value.Length), value);

        public static bool EndsWith<T>(this Span<T> span, ReadOnlySpan<T> value) where T : IEquatable<T>?
            => EndsWith((ReadOnlySpan<T>)span, value);

        public static ReadOnlySpan<char> Trim(this ReadOnlySpan<char> span)
        {
            int first = 0, last = span.Length - 1;
            while (first <= last && char.IsWhiteSpace(span[first])) first++;
            while (last >= first && char.IsWhiteSpace(span[last])) last--;
            return span.Slice(first, last - first + 1);
        }

        public static bool Equals(this ReadOnlySpan<char> span, ReadOnlySpan<char> other, StringComparison comparisonType)
        {
            if (!string.IsIgnoreCase(comparisonType)) return SequenceEqual(span, other);
            if (span.Length != other.Length) return false;
            for (int i = 0; i < span.Length; i++)
                if (char.ToUpperInvariant(span[i]) != char.ToUpperInvariant(other[i])) return false;
            return true;
        }

        // A constrained call: direct and without boxing for value types such as byte and char.
        private static bool ElementEquals<T>(T a, T b) where T : IEquatable<T>?
        {
            if (a is null) return b is null;
            return a.Equals(b);
        }
    }
}
