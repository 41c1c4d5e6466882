using System.Globalization;

namespace Summoner.Testing;

/// <summary>The <c>Date</c> header of an HTTP response as curl -i / -I prints it.</summary>
public static class ResponseDate
{
    /// <summary>Unix seconds of the response's Date (an IMF-fixdate), or null when it has none.</summary>
    public static long? UnixSeconds(string response)
    {
        string? line = response.Split("\r\n").FirstOrDefault(l => l.StartsWith("Date: ", StringComparison.Ordinal));
        return line is null ? null : DateTimeOffset.ParseExact(line["Date: ".Length..], "r", CultureInfo.InvariantCulture).ToUnixTimeSeconds();
    }
}
