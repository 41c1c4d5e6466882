using Summoner.Toml;

namespace Summoner.Config;

/// <summary>One problem in a configuration file, located as file:line:column.</summary>
public sealed record ConfigError(string File, int Line, int Column, string Message)
{
    public ConfigError(string file, TomlPosition position, string message) : this(file, position.Line, position.Column, message) { }

    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>A configuration that cannot be used; <see cref="Errors"/> lists every problem found, in file order.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(string.Join('\n', errors.Select(e => e.ToString()))) => Errors = errors;

    public ConfigException() : this([]) { }

    public ConfigException(string message) : base(message) => Errors = [];

    public ConfigException(string message, Exception innerException) : base(message, innerException) => Errors = [];

    public IReadOnlyList<ConfigError> Errors { get; }
}
