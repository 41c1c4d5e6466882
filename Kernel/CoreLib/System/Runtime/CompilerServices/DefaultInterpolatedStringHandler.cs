using System.Text;

namespace System.Runtime.CompilerServices
{
    // What csc lowers `$"..."` to. Values format through IFormattable when they implement it, so
    // `{x:x}` and `{x:X4}` reach the integer formatter; everything else uses ToString().
    [InterpolatedStringHandler]
    public ref struct DefaultInterpolatedStringHandler
    {
        private StringBuilder? _builder;

        public DefaultInterpolatedStringHandler(int literalLength, int formattedCount)
        {
            _builder = new StringBuilder(literalLength + formattedCount * 11);
        }

        public DefaultInterpolatedStringHandler(int literalLength, int formattedCount, IFormatProvider? provider)
            : this(literalLength, formattedCount) { }

        public DefaultInterpolatedStringHandler(int literalLength, int formattedCount, IFormatProvider? provider, Span<char> initialBuffer)
            : this(literalLength, formattedCount) { }

        private StringBuilder Builder => _builder ??= new StringBuilder();

        public void AppendLiteral(string value) => Builder.Append(value);

        public void AppendFormatted<T>(T value) => Builder.Append(FormatValue(value, null));

        public void AppendFormatted<T>(T value, string? format) => Builder.Append(FormatValue(value, format));

        public void AppendFormatted<T>(T value, int alignment) => string.AppendAligned(Builder, FormatValue(value, null), alignment);

        public void AppendFormatted<T>(T value, int alignment, string? format) => string.AppendAligned(Builder, FormatValue(value, format), alignment);

        public void AppendFormatted(string? value) => Builder.Append(value);

        public void AppendFormatted(string? value, int alignment = 0, string? format = null) => string.AppendAligned(Builder, value ?? "", alignment);

        public void AppendFormatted(ReadOnlySpan<char> value) => Builder.Append(value);

        public void AppendFormatted(object? value, int alignment = 0, string? format = null) => string.AppendAligned(Builder, FormatValue(value, format), alignment);

        public override string ToString() => Builder.ToString();

        public string ToStringAndClear()
        {
            string result = Builder.ToString();
            _builder = null;
            return result;
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
