using System.Text;
using Summoner.Toml;

namespace Summoner.Config;

/// <summary>
/// A service's [service.env] table: string settings for the app. Keys are shell-variable names
/// (so a hosted build can take them from its environment); values are one line each. Messages
/// name keys and positions, never values: they may be secrets.
/// </summary>
public static class ServiceEnvironment
{
    /// <summary>The guest's limit for the whole settings file (Kernel.Net ServiceSettings.MaxBytes).</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>Keys Summoner sets itself from other service keys.</summary>
    private static readonly string[] Reserved = ["port", "udp", "udp_tunnel"];

    internal static List<KeyValuePair<string, string>> Load(ConfigSection s)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (!s.Table.TryGetValue("env", out TomlNode? node)) return result;
        if (node is not TomlTable table)
        {
            s.Error(node.Position, $"env in {s.Name} must be a table: write [service.env] below the [[service]] and KEY = \"value\" lines");
            return result;
        }
        foreach (var (key, value) in table)
        {
            TomlPosition at = table.KeyPosition(key);
            if (CheckKey(key) is { } problem)
            {
                s.Error(at, $"[service.env] key '{key}' in {s.Name} {problem}");
                continue;
            }
            if (value is not TomlString text)
            {
                s.Error(value.Position, $"[service.env] {key} in {s.Name} must be a string, not {value.Describe()}: quote it, e.g. {key} = \"42\" (the app reads it with GetInt)");
                continue;
            }
            if (CheckValue(text.Value) is { } bad)
            {
                s.Error(value.Position, $"[service.env] {key} in {s.Name} {bad}");
                continue;
            }
            result.Add(new(key, text.Value));
        }
        int size = Encode(result).Length;
        if (size > MaxBytes)
            s.Error(node.Position, $"[service.env] of {s.Name} is {size} bytes once encoded, more than the {MaxBytes} a guest accepts: move large data into the image");
        return result;
    }

    /// <summary>Null when <paramref name="key"/> is usable, otherwise what is wrong with it.</summary>
    public static string? CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length is < 1 or > 64 || !(char.IsAsciiLetter(key[0]) || key[0] == '_') || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            return "is not a setting name: use 1-64 letters, digits and '_', starting with a letter or '_' (e.g. GREETING)";
        if (Reserved.Contains(key, StringComparer.Ordinal))
            return "is set by Summoner itself from ports = [...]; use another name";
        if (key.StartsWith("egress_", StringComparison.Ordinal))
            return "is set by Summoner itself for egress = [...]; use another name";
        return null;
    }

    /// <summary>Null when <paramref name="value"/> can be passed, otherwise why not (without quoting it).</summary>
    public static string? CheckValue(string value) =>
        value is null || value.Any(char.IsControl) ? "must be one line without control characters (the value is not shown)" : null;

    /// <summary>The settings file a guest reads from fw_cfg: UTF-8 lines KEY=VALUE (Kernel.Net ServiceSettings.ParseFile).</summary>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, string>> entries)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in entries)
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(key).Append('=').Append(value);
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
