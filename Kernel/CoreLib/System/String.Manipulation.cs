using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace System
{
    public sealed partial class String
    {
        public static string Create<TState>(int length, TState state, System.Buffers.SpanAction<char, TState> action)
        {
            if (action is null) throw new ArgumentNullException(nameof(action));
            if (length <= 0)
            {
                if (length == 0) return Empty;
                throw new ArgumentOutOfRangeException(nameof(length), "Non-negative number required.");
            }
            string result = FastAllocate(length);
            action(result.WritableSpan, state);
            return result;
        }

        public string Substring(int startIndex)
        {
            if ((uint)startIndex > (uint)Length)
                throw new ArgumentOutOfRangeException(nameof(startIndex), "startIndex cannot be larger than length of string.");
            return startIndex == 0 ? this : FromSpan(((ReadOnlySpan<char>)this).Slice(startIndex));
        }

        public string Substring(int startIndex, int length)
        {
            if (startIndex < 0) throw new ArgumentOutOfRangeException(nameof(startIndex), "StartIndex cannot be less than zero.");
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), "Length cannot be less than zero.");
            if (startIndex > Length - length) throw new ArgumentOutOfRangeException(nameof(length), "Index and length must refer to a location within the string.");
            if (startIndex == 0 && length == Length) return this;
            return FromSpan(((ReadOnlySpan<char>)this).Slice(startIndex, length));
        }

        public string Trim() => TrimCore(true, true);

        public string TrimStart() => TrimCore(true, false);

        public string TrimEnd() => TrimCore(false, true);

        public string Trim(char trimChar) => TrimCore(trimChar, true, true);

        public string TrimStart(char trimChar) => TrimCore(trimChar, true, false);

        public string TrimEnd(char trimChar) => TrimCore(trimChar, false, true);

        private string TrimCore(bool start, bool end)
        {
            int first = 0, last = Length - 1;
            if (start) while (first <= last && char.IsWhiteSpace(this[first])) first++;
            if (end) while (last >= first && char.IsWhiteSpace(this[last])) last--;
            return Substring(first, last - first + 1);
        }

        private string TrimCore(char c, bool start, bool end)
        {
            int first = 0, last = Length - 1;
            if (start) while (first <= last && this[first] == c) first++;
            if (end) while (last >= first && this[last] == c) last--;
            return Substring(first, last - first + 1);
        }

        public string ToLowerInvariant()
        {
            string s = FastAllocate(Length);
            for (int i = 0; i < Length; i++) Unsafe.Add(ref s.FirstChar, i) = char.ToLowerInvariant(this[i]);
            return s;
        }

        public string ToUpperInvariant()
        {
            string s = FastAllocate(Length);
            for (int i = 0; i < Length; i++) Unsafe.Add(ref s.FirstChar, i) = char.ToUpperInvariant(this[i]);
            return s;
        }

        public string ToLower() => ToLowerInvariant();

        public string ToUpper() => ToUpperInvariant();

        public string[] Split(char separator, StringSplitOptions options = StringSplitOptions.None)
            => SplitCore(separator, null, int.MaxValue, options);

        public string[] Split(char separator, int count, StringSplitOptions options = StringSplitOptions.None)
            => SplitCore(separator, null, count, options);

        public string[] Split(params char[]? separator) => SplitCore('\0', separator ?? [], int.MaxValue, StringSplitOptions.None);

        public string[] Split(char[]? separator, StringSplitOptions options) => SplitCore('\0', separator ?? [], int.MaxValue, options);

        public string[] Split(string? separator, StringSplitOptions options = StringSplitOptions.None)
            => Split(separator, int.MaxValue, options);

        // A null or empty separator leaves the string whole, as on .NET.
        public string[] Split(string? separator, int count, StringSplitOptions options = StringSplitOptions.None)
        {
            var separators = new List<int>();
            if (!string.IsNullOrEmpty(separator))
            {
                for (int at = IndexOf(separator, 0, StringComparison.Ordinal); at >= 0; at = IndexOf(separator, at + separator.Length, StringComparison.Ordinal))
                    separators.Add(at);
            }
            return SplitAt(separators, string.IsNullOrEmpty(separator) ? 0 : separator.Length, count, options);
        }

        // An empty separator set means white space, as on .NET.
        private string[] SplitCore(char single, char[]? set, int count, StringSplitOptions options)
        {
            var separators = new List<int>();
            for (int i = 0; i < Length; i++)
                if (IsSeparator(this[i], single, set)) separators.Add(i);
            return SplitAt(separators, 1, count, options);
        }

        // .NET's rules: at most count parts; once count-1 parts are taken, the rest is the last part
        // (with RemoveEmptyEntries, after skipping the empty entries that follow).
        private string[] SplitAt(List<int> separators, int separatorLength, int count, StringSplitOptions options)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "Count cannot be less than zero.");
            if ((options & ~(StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) != 0)
                throw new ArgumentException("Value of flags is invalid.", nameof(options));
            bool removeEmpty = (options & StringSplitOptions.RemoveEmptyEntries) != 0;
            bool trim = (options & StringSplitOptions.TrimEntries) != 0;
            if (count == 0) return [];
            var parts = new List<string>();
            int current = 0;
            if (count > 1 && Length != 0)
            {
                for (int i = 0; i < separators.Count && current < Length; i++)
                {
                    string entry = Entry(current, separators[i] - current, trim);
                    if (!removeEmpty || entry.Length != 0) parts.Add(entry);
                    current = separators[i] + separatorLength;
                    if (parts.Count != count - 1) continue;
                    if (removeEmpty)
                    {
                        while (++i < separators.Count && Entry(current, separators[i] - current, trim).Length == 0)
                            current = separators[i] + separatorLength;
                    }
                    break;
                }
            }
            string last = Entry(current, Length - current, trim);
            if (!removeEmpty || last.Length != 0) parts.Add(last);
            return parts.ToArray();
        }

        private string Entry(int start, int length, bool trim)
        {
            string entry = Substring(start, length);
            return trim ? entry.Trim() : entry;
        }

        private static bool IsSeparator(char c, char single, char[]? set)
        {
            if (set is null) return c == single;
            if (set.Length == 0) return char.IsWhiteSpace(c);
            return Array.IndexOf(set, c) >= 0;
        }

        public string Replace(char oldChar, char newChar)
        {
            if (IndexOf(oldChar) < 0) return this;
            string s = FastAllocate(Length);
            for (int i = 0; i < Length; i++)
            {
                char c = this[i];
                Unsafe.Add(ref s.FirstChar, i) = c == oldChar ? newChar : c;
            }
            return s;
        }

        public string Replace(string oldValue, string? newValue)
        {
            if (oldValue is null) throw new ArgumentNullException(nameof(oldValue));
            if (oldValue.Length == 0) throw new ArgumentException("String cannot be of zero length.", nameof(oldValue));
            newValue ??= Empty;
            int at = IndexOf(oldValue, 0, StringComparison.Ordinal);
            if (at < 0) return this;
            var sb = new Text.StringBuilder(Length);
            int start = 0;
            while (at >= 0)
            {
                sb.Append(this, start, at - start).Append(newValue);
                start = at + oldValue.Length;
                at = IndexOf(oldValue, start, StringComparison.Ordinal);
            }
            sb.Append(this, start, Length - start);
            return sb.ToString();
        }

        public string Insert(int startIndex, string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            if ((uint)startIndex > (uint)Length) throw new ArgumentOutOfRangeException(nameof(startIndex));
            return Concat(Substring(0, startIndex), value, Substring(startIndex));
        }

        public string Remove(int startIndex) => Substring(0, startIndex);

        public string Remove(int startIndex, int count) => Concat(Substring(0, startIndex), Substring(startIndex + count));

        public string PadLeft(int totalWidth, char paddingChar = ' ')
        {
            if (totalWidth < 0) throw new ArgumentOutOfRangeException(nameof(totalWidth), "Non-negative number required.");
            return totalWidth <= Length ? this : Concat(new string(paddingChar, totalWidth - Length), this);
        }

        public string PadRight(int totalWidth, char paddingChar = ' ')
        {
            if (totalWidth < 0) throw new ArgumentOutOfRangeException(nameof(totalWidth), "Non-negative number required.");
            return totalWidth <= Length ? this : Concat(this, new string(paddingChar, totalWidth - Length));
        }

        public static string Join(string? separator, params string?[] value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            return JoinCore(separator, value);
        }

        public static string Join(char separator, params string?[] value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            return JoinCore(FromChar(separator), value);
        }

        public static string Join(string? separator, IEnumerable<string?> values)
        {
            if (values is null) throw new ArgumentNullException(nameof(values));
            var sb = new Text.StringBuilder();
            bool first = true;
            foreach (string? v in values)
            {
                if (!first) sb.Append(separator);
                sb.Append(v);
                first = false;
            }
            return sb.ToString();
        }

        public static string Join<T>(string? separator, IEnumerable<T> values)
        {
            if (values is null) throw new ArgumentNullException(nameof(values));
            var sb = new Text.StringBuilder();
            bool first = true;
            foreach (T v in values)
            {
                if (!first) sb.Append(separator);
                sb.Append(v?.ToString());
                first = false;
            }
            return sb.ToString();
        }

        private static string JoinCore(string? separator, string?[] value)
        {
            var sb = new Text.StringBuilder();
            for (int i = 0; i < value.Length; i++)
            {
                if (i != 0) sb.Append(separator);
                sb.Append(value[i]);
            }
            return sb.ToString();
        }

        public static string Concat(string? a, string? b)
        {
            a ??= Empty; b ??= Empty;
            if (a.Length == 0) return b;
            if (b.Length == 0) return a;
            string r = FastAllocate(a.Length + b.Length);
            Span<char> dst = r.WritableSpan;
            ((ReadOnlySpan<char>)a).CopyTo(dst);
            ((ReadOnlySpan<char>)b).CopyTo(dst.Slice(a.Length));
            return r;
        }

        public static string Concat(string? a, string? b, string? c) => Concat([a, b, c]);

        public static string Concat(string? a, string? b, string? c, string? d) => Concat([a, b, c, d]);

        public static string Concat(params string?[] values)
        {
            if (values is null) throw new ArgumentNullException(nameof(values));
            int length = 0;
            for (int i = 0; i < values.Length; i++) length += values[i]?.Length ?? 0;
            string r = FastAllocate(length);
            Span<char> dst = r.WritableSpan;
            int at = 0;
            for (int i = 0; i < values.Length; i++)
            {
                string? v = values[i];
                if (v is null) continue;
                ((ReadOnlySpan<char>)v).CopyTo(dst.Slice(at));
                at += v.Length;
            }
            return r;
        }

        public static string Concat(object? a) => a?.ToString() ?? Empty;

        public static string Concat(object? a, object? b) => Concat(a?.ToString(), b?.ToString());

        public static string Concat(object? a, object? b, object? c) => Concat(a?.ToString(), b?.ToString(), c?.ToString());

        public static string Concat(params object?[] args)
        {
            if (args is null) throw new ArgumentNullException(nameof(args));
            var strings = new string?[args.Length];
            for (int i = 0; i < args.Length; i++) strings[i] = args[i]?.ToString();
            return Concat(strings);
        }

        public static string Concat(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
        {
            string r = FastAllocate(a.Length + b.Length);
            a.CopyTo(r.WritableSpan);
            b.CopyTo(r.WritableSpan.Slice(a.Length));
            return r;
        }
    }
}
