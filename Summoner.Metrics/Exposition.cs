using System.Globalization;
using System.Text;

namespace Summoner.Metrics;

/// <summary>The Prometheus text format 0.0.4: escaping and number formatting.</summary>
public static class Exposition
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>HELP text: backslash and line feed are escaped.</summary>
    public static string EscapeHelp(string text) => Escape(text, quotes: false);

    /// <summary>Label values: backslash, double quote and line feed are escaped.</summary>
    public static string EscapeLabelValue(string text) => Escape(text, quotes: true);

    private static string Escape(string text, bool quotes)
    {
        if (text.AsSpan().IndexOfAny('\\', '\n', quotes ? '"' : '\\') < 0) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '"' when quotes: sb.Append("\\\""); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>A sample value as Go's ParseFloat reads it: +Inf, -Inf, NaN, or the shortest round-trip form.</summary>
    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
