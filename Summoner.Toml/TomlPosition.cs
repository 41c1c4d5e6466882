namespace Summoner.Toml;

/// <summary>A 1-based line and column (in UTF-16 code units) inside a TOML file.</summary>
public readonly record struct TomlPosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}
