using System.Globalization;

namespace Summoner.Toml;

public sealed class TomlString(string value, TomlPosition position) : TomlNode(position)
{
    public string Value { get; } = value;

    public override TomlKind Kind => TomlKind.String;

    public override string ToString() => Value;
}

public sealed class TomlInteger(long value, TomlPosition position) : TomlNode(position)
{
    public long Value { get; } = value;

    public override TomlKind Kind => TomlKind.Integer;

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

public sealed class TomlFloat(double value, TomlPosition position) : TomlNode(position)
{
    public double Value { get; } = value;

    public override TomlKind Kind => TomlKind.Float;

    public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture);
}

public sealed class TomlBoolean(bool value, TomlPosition position) : TomlNode(position)
{
    public bool Value { get; } = value;

    public override TomlKind Kind => TomlKind.Boolean;

    public override string ToString() => Value ? "true" : "false";
}
