namespace Summoner.Toml;

// The members are TOML's own type names (string, integer, float), which CA1720 mistakes for C#'s.
#pragma warning disable CA1720
public enum TomlKind
{
    String,
    Integer,
    Float,
    Boolean,
    OffsetDateTime,
    LocalDateTime,
    LocalDate,
    LocalTime,
    Array,
    Table,
}
#pragma warning restore CA1720

/// <summary>A value in a TOML document, remembering where it was written.</summary>
public abstract class TomlNode
{
    private protected TomlNode(TomlPosition position) => Position = position;

    public TomlPosition Position { get; }

    public abstract TomlKind Kind { get; }

    /// <summary>How the kind reads in an error message ("an integer", "a table", ...).</summary>
    public string Describe() => Describe(Kind);

    public static string Describe(TomlKind kind) => kind switch
    {
        TomlKind.String => "a string",
        TomlKind.Integer => "an integer",
        TomlKind.Float => "a float",
        TomlKind.Boolean => "a boolean",
        TomlKind.OffsetDateTime => "an offset date-time",
        TomlKind.LocalDateTime => "a local date-time",
        TomlKind.LocalDate => "a local date",
        TomlKind.LocalTime => "a local time",
        TomlKind.Array => "an array",
        TomlKind.Table => "a table",
        _ => kind.ToString(),
    };
}
