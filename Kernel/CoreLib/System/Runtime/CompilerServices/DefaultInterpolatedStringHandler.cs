using System.Text;

namespace System.Runtime.CompilerServices
{
    // What csc lowers `$"..."` to. Text accumulates in a char buffer reused across interpolations
    // (one thread: a single cached buffer; a nested interpolation gets its own). Values implementing
    // ISpanFormattable (the integers) format straight into the buffer, so `{x:x}` and `{x:X4}` cost
    // no intermediate string; others go through IFormattable or ToString().
    [InterpolatedStringHandler]
    public ref struct DefaultInterpolatedStringHandler
    {
        private const int CachedLength = 256;

        private static char[]? s_cached;

        private char[] _chars;
        private int _pos;

        public DefaultInterpolatedStringHandler(int literalLength, int formattedCount)
        {
            int wanted = literalLength + formattedCount * 11;
            char[]? cached = s_cached;
            if (cached is not null && wanted <= cached.Length)
            {
                s_cached = null;
                _chars = cached;
            }
            else
            {
                _chars = new char[wanted < CachedLength ? CachedLength : wanted];
            }
            _pos = 0;
        }

        public DefaultInterpolatedStringHandler(int literalLength, int formattedCount, IFormatProvider? provider)
            : this(literalLength, formattedCount) { }

        public DefaultInterpolatedStringHandler(int literalLength, int formattedCount, IFormatProvider? provider, Span<char> initialBuffer)
            : this(literalLength, formattedCount) { }

        public void AppendLiteral(string value) => AppendSpan(value);

        public void AppendFormatted<T>(T value) => AppendFormatted(value, 0, null);

        public void AppendFormatted<T>(T value, string? format) => AppendFormatted(value, 0, format);

        public void AppendFormatted<T>(T value, int alignment) => AppendFormatted(value, alignment, null);

        public void AppendFormatted<T>(T value, int alignment, string? format)
        {
            int start = _pos;
            if (value is ISpanFormattable)
            {
                int written;
                while (!((ISpanFormattable)value).TryFormat(_chars.AsSpan(_pos), out written, format, null)) Grow(_chars.Length);
                _pos += written;
            }
            else
            {
                AppendSpan(FormatValue(value, format));
            }
            if (alignment != 0) Align(start, alignment);
        }

        public void AppendFormatted(string? value) => AppendSpan(value);

        public void AppendFormatted(string? value, int alignment = 0, string? format = null)
        {
            int start = _pos;
            AppendSpan(value);
            if (alignment != 0) Align(start, alignment);
        }

        public void AppendFormatted(ReadOnlySpan<char> value) => AppendSpan(value);

        public void AppendFormatted(object? value, int alignment = 0, string? format = null) => AppendFormatted<object?>(value, alignment, format);

        public override string ToString() => string.FromSpan(new ReadOnlySpan<char>(_chars, 0, _pos));

        public string ToStringAndClear()
        {
            string result = string.FromSpan(new ReadOnlySpan<char>(_chars, 0, _pos));
            if (_chars.Length <= 4 * CachedLength) s_cached = _chars;
            _chars = [];
            _pos = 0;
            return result;
        }

        private void AppendSpan(ReadOnlySpan<char> text)
        {
            if (_pos + text.Length > _chars.Length) Grow(text.Length);
            text.CopyTo(_chars.AsSpan(_pos));
            _pos += text.Length;
        }

        // Pads the text written since start to |alignment| characters: on the left when positive.
        private void Align(int start, int alignment)
        {
            int width = alignment < 0 ? -alignment : alignment;
            int length = _pos - start;
            int pad = width - length;
            if (pad <= 0) return;
            if (_pos + pad > _chars.Length) Grow(pad);
            Span<char> chars = _chars;
            if (alignment > 0)
            {
                chars.Slice(start, length).CopyTo(chars.Slice(start + pad));
                chars.Slice(start, pad).Fill(' ');
            }
            else
            {
                chars.Slice(_pos, pad).Fill(' ');
            }
            _pos += pad;
        }

        private void Grow(int additional)
        {
            int size = _chars.Length * 2;
            if (size < _pos + additional) size = _pos + additional;
            char[] chars = new char[size];
            Array.Copy(_chars, chars, _pos);
            _chars = chars;
        }

        internal static string FormatValue<T>(T value, string? format)
        {
            if (value is IFormattable formattable) return formattable.ToString(format, null);
            return value?.ToString() ?? "";
        }
    }

    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
    public sealed class InterpolatedStringHandlerAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
    public sealed class InterpolatedStringHandlerArgumentAttribute : Attribute
    {
        public InterpolatedStringHandlerArgumentAttribute(string argument) { Arguments = [argument]; }
        public InterpolatedStringHandlerArgumentAttribute(params string[] arguments) { Arguments = arguments; }
        public string[] Arguments { get; }
    }
}
