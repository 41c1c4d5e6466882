namespace Summoner.Config;

/// <summary>DNS names in summoner.toml: LDH labels of 1-63 characters, 253 in all; stored lower-case without a trailing dot.</summary>
public static class DnsName
{
    /// <summary>Returns null and sets <paramref name="normalized"/> when valid; otherwise what is wrong.</summary>
    public static string? Validate(string text, out string normalized)
    {
        normalized = text.EndsWith('.') ? text[..^1].ToLowerInvariant() : text.ToLowerInvariant();
        if (normalized.Length == 0) return "a DNS name cannot be empty";
        if (normalized.Length > 253) return $"'{text}' is longer than 253 characters";
        foreach (string label in normalized.Split('.'))
        {
            string? problem = ValidateLabel(label);
            if (problem is not null) return $"'{text}' is not a valid DNS name: {problem}";
        }
        return null;
    }

    /// <summary>A single label: letters, digits and '-', 1-63 characters, not starting or ending with '-'.</summary>
    public static string? ValidateLabel(string label)
    {
        if (label.Length == 0) return "it has an empty label (two dots in a row, or a leading dot)";
        if (label.Length > 63) return $"the label '{label}' is longer than 63 characters";
        if (label[0] == '-' || label[^1] == '-') return $"the label '{label}' starts or ends with '-'";
        foreach (char c in label)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return $"the label '{label}' contains '{c}' (only letters, digits and '-' are allowed)";
        }
        return null;
    }

    /// <summary>True when <paramref name="name"/> is <paramref name="zone"/> or below it (both normalized).</summary>
    public static bool IsInZone(string name, string zone) =>
        name == zone || name.EndsWith("." + zone, StringComparison.Ordinal);
}
