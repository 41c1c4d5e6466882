using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Summoner.Toml;

/// <summary>
/// How a table came to exist. TOML's rules on redefining a table depend on it: a table made
/// implicitly by a header's path may later get its own header once; one made by dotted keys may
/// only be extended by dotted keys of the same section (or get sub-tables by header); an inline
/// table is closed.
/// </summary>
internal enum TomlTableOrigin
{
    Root,
    ImplicitByHeader,
    Header,
    DottedKey,
    Inline,
}

/// <summary>A TOML table: keys in the order written, each with the position of its key.</summary>
public sealed class TomlTable : TomlNode, IEnumerable<KeyValuePair<string, TomlNode>>
{
    private readonly Dictionary<string, (TomlNode Value, TomlPosition KeyPosition)> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    internal TomlTable(TomlPosition position, TomlTableOrigin origin) : base(position) => Origin = origin;

    public override TomlKind Kind => TomlKind.Table;

    internal TomlTableOrigin Origin { get; set; }

    public int Count => _order.Count;

    public IReadOnlyList<string> Keys => _order;

    public TomlNode this[string key] => _entries[key].Value;

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public bool TryGetValue(string key, [NotNullWhen(true)] out TomlNode? value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            value = entry.Value;
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>Where the key itself was written (its last dotted part, or the header naming it).</summary>
    public TomlPosition KeyPosition(string key) => _entries[key].KeyPosition;

    internal void Add(string key, TomlNode value, TomlPosition keyPosition)
    {
        _entries.Add(key, (value, keyPosition));
        _order.Add(key);
    }

    public IEnumerator<KeyValuePair<string, TomlNode>> GetEnumerator()
    {
        foreach (string key in _order) yield return new KeyValuePair<string, TomlNode>(key, _entries[key].Value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
