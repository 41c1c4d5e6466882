using System.Text.RegularExpressions;

namespace Summoner.Dns.Tests.Support;

/// <summary>One answer line as dig/kdig print it: owner, TTL, class, type, data.</summary>
public sealed record DigRecord(string Name, int Ttl, string Type, string Data);

/// <summary>What dig or kdig printed about one response (their formats differ in punctuation only).</summary>
public sealed partial record DigOutput(
    string Status, IReadOnlySet<string> Flags, IReadOnlyList<DigRecord> Answer, IReadOnlyList<DigRecord> Authority,
    IReadOnlyList<DigRecord> Additional, int? EdnsUdpSize, string Raw)
{
    public static DigOutput Parse(string text)
    {
        var status = StatusPattern().Match(text);
        var flags = FlagsPattern().Match(text);
        if (!status.Success || !flags.Success) throw new FormatException("no DNS header in client output:\n" + text);
        var udp = UdpPattern().Match(text);
        return new DigOutput(
            status.Groups[1].Value,
            flags.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(),
            Section(text, "ANSWER"), Section(text, "AUTHORITY"), Section(text, "ADDITIONAL"),
            udp.Success ? int.Parse(udp.Groups[1].Value) : null,
            text);
    }

    public static IReadOnlyList<DigOutput> ParseAll(string text) =>
        text.Split(";; ->>HEADER<<-").Skip(1).Select(part => Parse(";; ->>HEADER<<-" + part)).ToList();

    private static List<DigRecord> Section(string text, string name)
    {
        var records = new List<DigRecord>();
        int start = text.IndexOf($";; {name} SECTION:", StringComparison.Ordinal);
        if (start < 0) return records;
        foreach (string line in text[start..].Split('\n').Skip(1))
        {
            if (line.Trim().Length == 0 || line.StartsWith(';')) break;
            string[] f = line.Split([' ', '\t'], 5, StringSplitOptions.RemoveEmptyEntries);
            records.Add(new DigRecord(f[0].ToLowerInvariant(), int.Parse(f[1]), f[3], f.Length > 4 ? f[4].Trim() : ""));
        }
        return records;
    }

    [GeneratedRegex(@"->>HEADER<<- opcode: \w+[,;] status: (\w+)")]
    private static partial Regex StatusPattern();

    [GeneratedRegex(@";; [Ff]lags: ([a-z ]*);")]
    private static partial Regex FlagsPattern();

    [GeneratedRegex(@"(?:udp: |UDP size: )(\d+)")]
    private static partial Regex UdpPattern();
}
