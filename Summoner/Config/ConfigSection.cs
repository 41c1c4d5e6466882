using System.Net;
using Summoner.Toml;

namespace Summoner.Config;

/// <summary>
/// A schema-checked view of one TOML table of summoner.toml. Typed getters return null when a
/// key is absent or wrong (recording a located error), so loading reports every problem at once.
/// </summary>
internal sealed class ConfigSection
{
    private readonly List<ConfigError> _errors;

    public ConfigSection(string file, TomlTable table, string name, IReadOnlyList<string> allowedKeys, List<ConfigError> errors)
    {
        File = file;
        Table = table;
        Name = name;
        AllowedKeys = allowedKeys;
        _errors = errors;
        foreach (string key in table.Keys)
        {
            if (!allowedKeys.Contains(key, StringComparer.Ordinal))
            {
                string hint = Closest(key, allowedKeys) is { } guess ? $" (did you mean '{guess}'?)" : "";
                Error(table.KeyPosition(key), $"unknown key '{key}' in {name}{hint}; allowed keys: {string.Join(", ", allowedKeys)}");
            }
        }
    }

    public string File { get; }

    public TomlTable Table { get; }

    /// <summary>How the section reads in messages: "[dns]", "[[service]] #2".</summary>
    public string Name { get; set; }

    public IReadOnlyList<string> AllowedKeys { get; }

    public void Error(TomlPosition position, string message) => _errors.Add(new ConfigError(File, position, message));

    public bool Has(string key) => Table.ContainsKey(key);

    /// <summary>Where the value of <paramref name="key"/> was written, or the section itself if absent.</summary>
    public TomlPosition PositionOf(string key) => Table.TryGetValue(key, out TomlNode? v) ? v.Position : Table.Position;

    public T? Node<T>(string key, string expected) where T : TomlNode
    {
        System.Diagnostics.Debug.Assert(AllowedKeys.Contains(key), $"{key} is read but not declared for {Name}");
        if (!Table.TryGetValue(key, out TomlNode? node)) return null;
        if (node is T typed) return typed;
        Error(node.Position, $"{key} in {Name} must be {expected}, not {node.Describe()}");
        return null;
    }

    public string? String(string key) => Node<TomlString>(key, "a string")?.Value;

    public bool? Boolean(string key) => Node<TomlBoolean>(key, "true or false")?.Value;

    public long? Integer(string key, long min, long max)
    {
        TomlInteger? node = Node<TomlInteger>(key, $"an integer from {min} to {max}");
        if (node is null) return null;
        if (node.Value < min || node.Value > max)
        {
            Error(node.Position, $"{key} in {Name} must be from {min} to {max}, not {node.Value}");
            return null;
        }
        return node.Value;
    }

    public TimeSpan? Duration(string key, TimeSpan min, TimeSpan max)
    {
        TomlString? node = Node<TomlString>(key, "a duration string such as \"30s\"");
        if (node is null) return null;
        if (!Config.Duration.TryParse(node.Value, out TimeSpan value))
        {
            Error(node.Position, $"{key} in {Name}: '{node.Value}' is not a duration: {Config.Duration.Expected}");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node.Position, $"{key} in {Name} must be from {Config.Duration.Format(min)} to {Config.Duration.Format(max)}, not {node.Value}");
            return null;
        }
        return value;
    }

    /// <summary>A duration that DNS carries as whole seconds (TTLs, SOA timers).</summary>
    public TimeSpan? Seconds(string key, TimeSpan max)
    {
        TimeSpan? value = Duration(key, TimeSpan.Zero, max);
        if (value is { } v && v.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            Error(PositionOf(key), $"{key} in {Name} must be whole seconds (DNS carries it in seconds), not {Config.Duration.Format(v)}");
            return null;
        }
        return value;
    }

    public long? Size(string key, long min, long max)
    {
        TomlString? node = Node<TomlString>(key, "a size string such as \"64MiB\"");
        if (node is null) return null;
        if (!ByteSize.TryParse(node.Value, out long value))
        {
            Error(node.Position, $"{key} in {Name}: '{node.Value}' is not a size: {ByteSize.Expected}");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node.Position, $"{key} in {Name} must be from {ByteSize.Format(min)} to {ByteSize.Format(max)}, not {node.Value}");
            return null;
        }
        return value;
    }

    public string? DnsName(string key)
    {
        TomlString? node = Node<TomlString>(key, "a DNS name string");
        return node is null ? null : CheckDnsName(node, key);
    }

    public string? CheckDnsName(TomlString node, string key)
    {
        string? problem = Config.DnsName.Validate(node.Value, out string normalized);
        if (problem is null) return normalized;
        Error(node.Position, $"{key} in {Name}: {problem}");
        return null;
    }

    /// <summary>An "address:port" endpoint; IPv6 addresses in brackets ("[::1]:5300").</summary>
    public IPEndPoint? Endpoint(string key)
    {
        TomlString? node = Node<TomlString>(key, "an \"address:port\" string");
        if (node is null) return null;
        string text = node.Value;
        int colon = text.LastIndexOf(':');
        bool hasPort = colon > 0 && (text[0] != '[' || text[colon - 1] == ']');
        if (!hasPort || !IPEndPoint.TryParse(text, out IPEndPoint? endpoint) || endpoint.Port == 0)
        {
            Error(node.Position, $"{key} in {Name}: '{text}' is not an address and port: expected \"127.0.0.1:5300\" or \"[::1]:5300\" with a port from 1 to 65535");
            return null;
        }
        return endpoint;
    }

    public IPAddress? Address(string key)
    {
        TomlString? node = Node<TomlString>(key, "an IP address string");
        if (node is null) return null;
        if (!IPAddress.TryParse(node.Value, out IPAddress? address) || !string.Equals(address.ToString(), node.Value, StringComparison.OrdinalIgnoreCase))
        {
            Error(node.Position, $"{key} in {Name}: '{node.Value}' is not an IP address (expected e.g. \"10.77.0.1\")");
            return null;
        }
        return address;
    }

    public IPNetwork? Network(string key)
    {
        TomlString? node = Node<TomlString>(key, "a network string such as \"10.77.0.0/24\"");
        if (node is null) return null;
        if (!IPNetwork.TryParse(node.Value, out IPNetwork network) || network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            Error(node.Position, $"{key} in {Name}: '{node.Value}' is not an IPv4 network: expected address/prefix with no host bits set, such as \"10.77.0.0/24\"");
            return null;
        }
        return network;
    }

    public TEnum? Enum<TEnum>(string key) where TEnum : struct, Enum
    {
        string[] names = System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()).ToArray();
        TomlString? node = Node<TomlString>(key, $"one of \"{string.Join("\", \"", names)}\"");
        if (node is null) return null;
        if (names.Contains(node.Value, StringComparer.Ordinal)) return System.Enum.Parse<TEnum>(node.Value, ignoreCase: true);
        Error(node.Position, $"{key} in {Name} must be one of \"{string.Join("\", \"", names)}\", not \"{node.Value}\"");
        return null;
    }

    /// <summary>An array whose elements must all be <typeparamref name="T"/>; null if absent or wrong.</summary>
    public IReadOnlyList<T>? List<T>(string key, string expectedElement, string expectedElements) where T : TomlNode
    {
        TomlArray? array = Node<TomlArray>(key, $"an array of {expectedElements}");
        if (array is null) return null;
        var items = new List<T>();
        bool ok = true;
        for (int k = 0; k < array.Count; k++)
        {
            if (array[k] is T typed) items.Add(typed);
            else
            {
                Error(array[k].Position, $"{key}[{k}] in {Name} must be {expectedElement}, not {array[k].Describe()}");
                ok = false;
            }
        }
        return ok ? items : null;
    }

    public ConfigSection? Section(string key, IReadOnlyList<string> allowed)
    {
        TomlTable? table = Node<TomlTable>(key, "a table");
        string name = Name.StartsWith('[') ? $"[{Name.Trim('[', ']')}.{key}]" : $"[{key}]";
        return table is null ? null : new ConfigSection(File, table, name, allowed, _errors);
    }

    internal static string? Closest(string key, IReadOnlyList<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            int d = EditDistance(key, c);
            if (d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.Max(1, key.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) row[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
