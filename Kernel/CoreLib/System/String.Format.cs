using System.Text;

namespace System
{
    public sealed partial class String
    {
        public static string Format(string format, object? arg0) => FormatCore(format, [arg0]);

        public static string Format(string format, object? arg0, object? arg1) => FormatCore(format, [arg0, arg1]);

        public static string Format(string format, object? arg0, object? arg1, object? arg2) => FormatCore(format, [arg0, arg1, arg2]);

        public static string Format(string format, params object?[] args) => FormatCore(format, args);

        public static string Format(IFormatProvider? provider, string format, object? arg0) => FormatCore(format, [arg0]);

        public static string Format(IFormatProvider? provider, string format, object? arg0, object? arg1) => FormatCore(format, [arg0, arg1]);

        public static string Format(IFormatProvider? provider, string format, params object?[] args) => FormatCore(format, args);

        private static string FormatCore(string format, object?[] args)
        {
            if (format is null) throw new ArgumentNullException(nameof(format));
            if (args is null) throw new ArgumentNullException(nameof(args));
            var sb = new StringBuilder(format.Length + args.Length * 8);
            AppendFormat(sb, format, args);
            return sb.ToString();
        }

        // Composite formatting: "{{" and "}}" escape braces; items are {index[,alignment][:format]}.
        internal static void AppendFormat(StringBuilder sb, string format, object?[] args)
        {
            int i = 0;
            while (i < format.Length)
            {
                char c = format[i++];
                if (c == '}')
                {
                    if (i < format.Length && format[i] == '}') { sb.Append('}'); i++; continue; }
                    throw BadFormat();
                }
                if (c != '{') { sb.Append(c); continue; }
                if (i < format.Length && format[i] == '{') { sb.Append('{'); i++; continue; }

                int index = ReadNumber(format, ref i);
                while (i < format.Length && format[i] == ' ') i++;
                int alignment = 0;
                if (i < format.Length && format[i] == ',')
                {
                    i++;
                    while (i < format.Length && format[i] == ' ') i++;
                    bool negative = i < format.Length && format[i] == '-';
                    if (negative) i++;
                    alignment = ReadNumber(format, ref i);
                    if (negative) alignment = -alignment;
                    while (i < format.Length && format[i] == ' ') i++;
                }
                string? itemFormat = null;
                if (i < format.Length && format[i] == ':')
                {
                    int start = ++i;
                    while (i < format.Length && format[i] != '}') i++;
                    itemFormat = format.Substring(start, i - start);
                }
                if (i >= format.Length || format[i] != '}') throw BadFormat();
                i++;
                if (index >= args.Length) throw new FormatException("Index (zero based) must be greater than or equal to zero and less than the size of the argument list.");
                object? arg = args[index];
                string text = arg is IFormattable f ? f.ToString(itemFormat, null) : arg?.ToString() ?? Empty;
                AppendAligned(sb, text, alignment);
            }
        }

        internal static void AppendAligned(StringBuilder sb, string text, int alignment)
        {
            int pad = (alignment < 0 ? -alignment : alignment) - text.Length;
            if (alignment > 0 && pad > 0) sb.Append(' ', pad);
            sb.Append(text);
            if (alignment < 0 && pad > 0) sb.Append(' ', pad);
        }

        private static int ReadNumber(string format, ref int i)
        {
            int start = i, value = 0;
            while (i < format.Length && format[i] >= '0' && format[i] <= '9' && value < 1_000_000)
                value = value * 10 + (format[i++] - '0');
            if (i == start) throw BadFormat();
            return value;
        }

        private static FormatException BadFormat() => new FormatException("Input string was not in a correct format.");
    }
}
