using System.Globalization;

namespace Summoner.Config;

/// <summary>Sizes as written in summoner.toml: an integer and a unit ("64MiB", "2GiB", "512KiB", "1GB").</summary>
public static class ByteSize
{
    public const string Expected = "expected a size such as \"64MiB\" or \"2GiB\" (units B, KiB, MiB, GiB, TiB, or kB, MB, GB, TB)";

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        int n = 0;
        while (n < text.Length && char.IsAsciiDigit(text[n])) n++;
        if (n == 0 || !long.TryParse(text.AsSpan(0, n), NumberStyles.None, CultureInfo.InvariantCulture, out long number)) return false;
        long unit = text[n..].Trim() switch
        {
            "B" => 1L,
            "KiB" => 1L << 10,
            "MiB" => 1L << 20,
            "GiB" => 1L << 30,
            "TiB" => 1L << 40,
            "kB" or "KB" => 1_000L,
            "MB" => 1_000_000L,
            "GB" => 1_000_000_000L,
            "TB" => 1_000_000_000_000L,
            _ => 0,
        };
        if (unit == 0 || number > long.MaxValue / unit) return false;
        bytes = number * unit;
        return true;
    }

    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int u = 0;
        while (u < units.Length - 1 && bytes != 0 && bytes % 1024 == 0)
        {
            bytes /= 1024;
            u++;
        }
        return bytes.ToString(CultureInfo.InvariantCulture) + units[u];
    }
}
