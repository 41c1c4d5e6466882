using System.Collections;

namespace Summoner.Toml;

/// <summary>A TOML array: either a value written in brackets, or the array built by [[header]]s.</summary>
public sealed class TomlArray : TomlNode, IReadOnlyList<TomlNode>
{
    private readonly List<TomlNode> _items = [];

    internal TomlArray(TomlPosition position, bool isArrayOfTables) : base(position) => IsArrayOfTables = isArrayOfTables;

    public override TomlKind Kind => TomlKind.Array;

    /// <summary>True when built by [[header]] lines, which may append to it; a bracketed array value is closed.</summary>
    public bool IsArrayOfTables { get; }

    public int Count => _items.Count;

    public TomlNode this[int index] => _items[index];

    internal void Add(TomlNode item) => _items.Add(item);

    public IEnumerator<TomlNode> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
