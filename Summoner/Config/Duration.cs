using System.Globalization;

namespace Summoner.Config;

/// <summary>
/// Durations as written in summoner.toml: a number and a unit, possibly repeated
/// ("500ms", "30s", "5m", "1h30m", "1.5s"). Units: ms, s, m, h, d.
/// </summary>
public static class Duration
{
    public const string Expected = "expected a duration such as \"500ms\", \"30s\", \"5m\" or \"1h30m\" (units ms, s, m, h, d)";

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        ReadOnlySpan<char> s = text;
        if (s.IsEmpty) return false;
        decimal totalMs = 0;
        while (!s.IsEmpty)
        {
            int n = 0;
            while (n < s.Length && (char.IsAsciiDigit(s[n]) || s[n] == '.')) n++;
            if (n == 0 || !decimal.TryParse(s[..n], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number)) return false;
            s = s[n..];
            int u = 0;
            while (u < s.Length && char.IsAsciiLetterLower(s[u])) u++;
            decimal unitMs = s[..u] switch
            {
                "ms" => 1m,
                "s" => 1_000m,
                "m" => 60_000m,
                "h" => 3_600_000m,
                "d" => 86_400_000m,
                _ => 0m,
            };
            if (unitMs == 0) return false;
            s = s[u..];
            totalMs += number * unitMs;
            if (totalMs > (decimal)TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        }
        value = TimeSpan.FromTicks((long)(totalMs * TimeSpan.TicksPerMillisecond));
        return true;
    }

    /// <summary>The shortest exact form, the way summoner.toml would write it ("1h30m", "500ms").</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        var parts = new List<string>();
        if (value.Days > 0) parts.Add(value.Days.ToString(CultureInfo.InvariantCulture) + "d");
        if (value.Hours > 0) parts.Add(value.Hours.ToString(CultureInfo.InvariantCulture) + "h");
        if (value.Minutes > 0) parts.Add(value.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        if (value.Seconds > 0) parts.Add(value.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        double ms = value.TotalMilliseconds % 1000;
        if (ms > 0) parts.Add(ms.ToString(CultureInfo.InvariantCulture) + "ms");
        return string.Concat(parts);
    }
}
