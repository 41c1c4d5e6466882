using System.Runtime.CompilerServices;

namespace System.Text
{
    // One growable char buffer; ToString copies it out.
    public sealed class StringBuilder
    {
        private char[] _chars;
        private int _length;

        public StringBuilder() : this(16) { }

        public StringBuilder(int capacity)
        {
            if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "Capacity must be positive.");
            _chars = new char[capacity == 0 ? 16 : capacity];
        }

        public StringBuilder(string? value) : this(value is null || value.Length < 16 ? 16 : value.Length)
        {
            Append(value);
        }

        public int Length
        {
            get => _length;
            set
            {
                if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "Length cannot be less than zero.");
                EnsureCapacity(value);
                if (value > _length) Array.Clear(_chars, _length, value - _length);
                _length = value;
            }
        }

        public int Capacity => _chars.Length;

        [IndexerName("Chars")]
        public char this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length) throw new IndexOutOfRangeException();
                return _chars[index];
            }
            set
            {
                if ((uint)index >= (uint)_length) throw new ArgumentOutOfRangeException(nameof(index), "Index was out of range. Must be non-negative and less than the size of the collection.");
                _chars[index] = value;
            }
        }

        public StringBuilder Append(string? value)
        {
            if (value is not null) Append((ReadOnlySpan<char>)value);
            return this;
        }

        public StringBuilder Append(string? value, int startIndex, int count)
        {
            if (value is null)
            {
                if (startIndex != 0 || count != 0) throw new ArgumentNullException(nameof(value));
                return this;
            }
            return Append(value.AsSpan(startIndex, count));
        }

        public StringBuilder Append(ReadOnlySpan<char> value)
        {
            EnsureCapacity(_length + value.Length);
            value.CopyTo(new Span<char>(_chars, _length, value.Length));
            _length += value.Length;
            return this;
        }

        public StringBuilder Append(char value)
        {
            if (_length == _chars.Length) EnsureCapacity(_length + 1);
            _chars[_length++] = value;
            return this;
        }

        public StringBuilder Append(char value, int repeatCount)
        {
            if (repeatCount < 0) throw new ArgumentOutOfRangeException(nameof(repeatCount), "Count cannot be less than zero.");
            EnsureCapacity(_length + repeatCount);
            for (int i = 0; i < repeatCount; i++) _chars[_length++] = value;
            return this;
        }

        public StringBuilder Append(char[]? value) => value is null ? this : Append(new ReadOnlySpan<char>(value));

        public StringBuilder Append(bool value) => Append(value ? "True" : "False");
        public StringBuilder Append(byte value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(sbyte value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(short value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(ushort value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(int value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(uint value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(long value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(ulong value) => AppendSpanFormattable(value, default);
        public StringBuilder Append(object? value) => value is null ? this : Append(value.ToString());

        // Integers format straight into the buffer (a constrained call: no boxing, no string).
        internal StringBuilder AppendSpanFormattable<T>(T value, ReadOnlySpan<char> format) where T : ISpanFormattable
        {
            int written;
            while (!value.TryFormat(new Span<char>(_chars, _length, _chars.Length - _length), out written, format, null))
                EnsureCapacity(_chars.Length + 32);
            _length += written;
            return this;
        }
        public StringBuilder Append(StringBuilder? value) => value is null ? this : Append(new ReadOnlySpan<char>(value._chars, 0, value._length));

        public StringBuilder Append([InterpolatedStringHandlerArgument("")] ref AppendInterpolatedStringHandler handler) => this;

        public StringBuilder AppendLine() => Append('\n');

        public StringBuilder AppendLine(string? value) => Append(value).Append('\n');

        public StringBuilder AppendFormat(string format, object? arg0) => AppendFormatCore(format, [arg0]);

        public StringBuilder AppendFormat(string format, object? arg0, object? arg1) => AppendFormatCore(format, [arg0, arg1]);

        public StringBuilder AppendFormat(string format, params object?[] args) => AppendFormatCore(format, args);

        private StringBuilder AppendFormatCore(string format, object?[] args)
        {
            if (format is null) throw new ArgumentNullException(nameof(format));
            string.AppendFormat(this, format, args);
            return this;
        }

        public StringBuilder Insert(int index, string? value)
        {
            if ((uint)index > (uint)_length) throw new ArgumentOutOfRangeException(nameof(index), "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
            if (string.IsNullOrEmpty(value)) return this;
            EnsureCapacity(_length + value.Length);
            Array.Copy(_chars, index, _chars, index + value.Length, _length - index);
            value.AsSpan().CopyTo(new Span<char>(_chars, index, value.Length));
            _length += value.Length;
            return this;
        }

        public StringBuilder Remove(int startIndex, int length)
        {
            if (startIndex < 0 || length < 0 || startIndex > _length - length)
                throw new ArgumentOutOfRangeException(nameof(length), "Index was out of range. Must be non-negative and less than the size of the collection.");
            Array.Copy(_chars, startIndex + length, _chars, startIndex, _length - startIndex - length);
            _length -= length;
            return this;
        }

        public StringBuilder Clear()
        {
            _length = 0;
            return this;
        }

        public override string ToString() => string.FromSpan(new ReadOnlySpan<char>(_chars, 0, _length));

        public string ToString(int startIndex, int length)
        {
            if (startIndex < 0 || length < 0 || startIndex > _length - length)
                throw new ArgumentOutOfRangeException(nameof(length), "Index was out of range. Must be non-negative and less than the size of the collection.");
            return string.FromSpan(new ReadOnlySpan<char>(_chars, startIndex, length));
        }

        private void EnsureCapacity(int capacity)
        {
            if (capacity <= _chars.Length) return;
            int grown = _chars.Length * 2;
            char[] chars = new char[grown > capacity ? grown : capacity];
            Array.Copy(_chars, chars, _length);
            _chars = chars;
        }

        // `sb.Append($"...")` formats straight into the builder.
        [InterpolatedStringHandler]
        public ref struct AppendInterpolatedStringHandler
        {
            private readonly StringBuilder _builder;

            public AppendInterpolatedStringHandler(int literalLength, int formattedCount, StringBuilder stringBuilder)
            {
                _builder = stringBuilder;
            }

            public void AppendLiteral(string value) => _builder.Append(value);

            public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

            public void AppendFormatted<T>(T value, string? format)
            {
                if (value is ISpanFormattable) _builder.AppendSpanFormattable((ISpanFormattable)value, format);
                else _builder.Append(DefaultInterpolatedStringHandler.FormatValue(value, format));
            }

            public void AppendFormatted<T>(T value, int alignment) => string.AppendAligned(_builder, DefaultInterpolatedStringHandler.FormatValue(value, null), alignment);

            public void AppendFormatted<T>(T value, int alignment, string? format) => string.AppendAligned(_builder, DefaultInterpolatedStringHandler.FormatValue(value, format), alignment);

            public void AppendFormatted(string? value) => _builder.Append(value);

            public void AppendFormatted(ReadOnlySpan<char> value) => _builder.Append(value);
        }
    }
}
