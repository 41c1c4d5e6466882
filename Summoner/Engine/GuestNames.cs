namespace Summoner.Engine;

/// <summary>
/// How guests (and so their console and QEMU log files) are named: PREFIX + service + "-" + boot number.
/// Telling which service a name belongs to needs the number check: "hello" must not claim "hello-api-3".
/// </summary>
public static class GuestNames
{
    public static string Of(string guestPrefix, string service, long sequence) => $"{guestPrefix}{service}-{sequence}";

    /// <summary>Whether <paramref name="guestName"/> (a file name without ".log") is a guest of <paramref name="service"/>.</summary>
    public static bool BelongsTo(ReadOnlySpan<char> guestName, string guestPrefix, string service)
    {
        int start = guestPrefix.Length + service.Length + 1;
        if (guestName.Length <= start) return false;
        if (!guestName.StartsWith(guestPrefix, StringComparison.Ordinal)) return false;
        if (!guestName[guestPrefix.Length..].StartsWith(service, StringComparison.Ordinal) || guestName[start - 1] != '-') return false;
        return !guestName[start..].ContainsAnyExceptInRange('0', '9');
    }
}
