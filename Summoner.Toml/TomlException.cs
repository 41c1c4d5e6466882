namespace Summoner.Toml;

/// <summary>A TOML syntax or structure error, located as file:line:column.</summary>
public sealed class TomlException : Exception
{
    public TomlException(string file, TomlPosition position, string reason)
        : base($"{file}:{position.Line}:{position.Column}: {reason}")
    {
        File = file;
        Position = position;
        Reason = reason;
    }

    public TomlException() : this("<toml>", new TomlPosition(1, 1), "invalid TOML") { }

    public TomlException(string message) : this("<toml>", new TomlPosition(1, 1), message) { }

    public TomlException(string message, Exception innerException) : base(message, innerException)
    {
        File = "<toml>";
        Reason = message;
    }

    public string File { get; }

    public TomlPosition Position { get; }

    public int Line => Position.Line;

    public int Column => Position.Column;

    /// <summary>The message without its file:line:column prefix.</summary>
    public string Reason { get; }
}
