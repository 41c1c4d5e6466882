namespace System
{
    public sealed partial class String
    {
        public int IndexOf(char value) => ((ReadOnlySpan<char>)this).IndexOf(value);

        public int IndexOf(char value, int startIndex)
        {
            if ((uint)startIndex > (uint)Length) throw new ArgumentOutOfRangeException(nameof(startIndex), "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
            int i = ((ReadOnlySpan<char>)this).Slice(startIndex).IndexOf(value);
            return i < 0 ? i : i + startIndex;
        }

        public int IndexOf(char value, StringComparison comparisonType)
            => IsIgnoreCase(comparisonType) ? IndexOf(FromChar(value), comparisonType) : IndexOf(value);

        public int IndexOf(string value) => IndexOf(value, 0, StringComparison.Ordinal);

        public int IndexOf(string value, int startIndex) => IndexOf(value, startIndex, StringComparison.Ordinal);

        public int IndexOf(string value, StringComparison comparisonType) => IndexOf(value, 0, comparisonType);

        public int IndexOf(string value, int startIndex, StringComparison comparisonType)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            if ((uint)startIndex > (uint)Length) throw new ArgumentOutOfRangeException(nameof(startIndex), "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
            bool ignoreCase = IsIgnoreCase(comparisonType);
            for (int i = startIndex; i + value.Length <= Length; i++)
                if (MatchesAt(i, value, ignoreCase)) return i;
            return -1;
        }

        public int IndexOfAny(char[] anyOf)
        {
            if (anyOf is null) throw new ArgumentNullException(nameof(anyOf));
            for (int i = 0; i < Length; i++)
                if (Array.IndexOf(anyOf, this[i]) >= 0) return i;
            return -1;
        }

        public int IndexOf(char value, int startIndex, int count)
        {
            if ((uint)startIndex > (uint)Length) throw new ArgumentOutOfRangeException(nameof(startIndex), "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
            if ((uint)count > (uint)(Length - startIndex)) throw new ArgumentOutOfRangeException(nameof(count), "Count must be positive and count must refer to a location within the string/array/collection.");
            int i = this.AsSpan(startIndex, count).IndexOf(value);
            return i < 0 ? i : i + startIndex;
        }

        public int IndexOfAny(char[] anyOf, int startIndex)
        {
            if ((uint)startIndex > (uint)Length) throw new ArgumentOutOfRangeException(nameof(startIndex));
            int i = Substring(startIndex).IndexOfAny(anyOf);
            return i < 0 ? i : i + startIndex;
        }

        public int LastIndexOf(char value, int startIndex)
        {
            if ((uint)startIndex >= (uint)Length && Length != 0) throw new ArgumentOutOfRangeException(nameof(startIndex), "Index was out of range. Must be non-negative and less than the size of the collection.");
            for (int i = startIndex; i >= 0; i--)
                if (this[i] == value) return i;
            return -1;
        }

        public int LastIndexOf(char value)
        {
            for (int i = Length - 1; i >= 0; i--)
                if (this[i] == value) return i;
            return -1;
        }

        public int LastIndexOf(string value) => LastIndexOf(value, StringComparison.Ordinal);

        public int LastIndexOf(string value, StringComparison comparisonType)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            bool ignoreCase = IsIgnoreCase(comparisonType);
            for (int i = Length - value.Length; i >= 0; i--)
                if (MatchesAt(i, value, ignoreCase)) return i;
            return value.Length == 0 ? Length : -1;
        }

        public bool Contains(char value) => IndexOf(value) >= 0;

        public bool Contains(char value, StringComparison comparisonType) => IndexOf(value, comparisonType) >= 0;

        public bool Contains(string value) => IndexOf(value, 0, StringComparison.Ordinal) >= 0;

        public bool Contains(string value, StringComparison comparisonType) => IndexOf(value, 0, comparisonType) >= 0;

        public bool StartsWith(char value) => Length != 0 && this[0] == value;

        public bool StartsWith(string value) => StartsWith(value, StringComparison.Ordinal);

        public bool StartsWith(string value, StringComparison comparisonType)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            return value.Length <= Length && MatchesAt(0, value, IsIgnoreCase(comparisonType));
        }

        public bool EndsWith(char value) => Length != 0 && this[Length - 1] == value;

        public bool EndsWith(string value) => EndsWith(value, StringComparison.Ordinal);

        public bool EndsWith(string value, StringComparison comparisonType)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            return value.Length <= Length && MatchesAt(Length - value.Length, value, IsIgnoreCase(comparisonType));
        }

        private bool MatchesAt(int start, string value, bool ignoreCase)
        {
            for (int j = 0; j < value.Length; j++)
            {
                char a = this[start + j], b = value[j];
                if (a == b) continue;
                if (!ignoreCase || char.ToUpperInvariant(a) != char.ToUpperInvariant(b)) return false;
            }
            return true;
        }
    }
}
