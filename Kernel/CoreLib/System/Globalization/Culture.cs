namespace System
{
    public interface IFormatProvider
    {
        object? GetFormat(Type? formatType);
    }

    public interface IFormattable
    {
        string ToString(string? format, IFormatProvider? formatProvider);
    }

    public enum StringComparison
    {
        CurrentCulture = 0, CurrentCultureIgnoreCase = 1, InvariantCulture = 2, InvariantCultureIgnoreCase = 3,
        Ordinal = 4, OrdinalIgnoreCase = 5,
    }

    [Flags]
    public enum StringSplitOptions { None = 0, RemoveEmptyEntries = 1, TrimEntries = 2 }
}

namespace System.Globalization
{
    [Flags]
    public enum NumberStyles
    {
        None = 0, AllowLeadingWhite = 1, AllowTrailingWhite = 2, AllowLeadingSign = 4, AllowTrailingSign = 8,
        AllowParentheses = 16, AllowDecimalPoint = 32, AllowThousands = 64, AllowExponent = 128,
        AllowCurrencySymbol = 256, AllowHexSpecifier = 512,
        Integer = AllowLeadingWhite | AllowTrailingWhite | AllowLeadingSign,
        HexNumber = AllowLeadingWhite | AllowTrailingWhite | AllowHexSpecifier,
    }

    // Only the invariant culture exists in the guest; it is accepted wherever .NET takes a provider
    // so portable code can satisfy CA1305 without changing meaning.
    public sealed class CultureInfo : IFormatProvider
    {
        private CultureInfo() { }

        public static CultureInfo InvariantCulture { get; } = new CultureInfo();

        public static CultureInfo CurrentCulture => InvariantCulture;

        public string Name => "";

        public object? GetFormat(Type? formatType) => null;
    }
}

namespace System
{
    // Formats into a caller's buffer: interpolation and StringBuilder use it to avoid a string
    // per value.
    public interface ISpanFormattable : IFormattable
    {
        bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider);
    }
}
