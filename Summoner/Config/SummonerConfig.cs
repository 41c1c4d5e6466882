using Summoner.Toml;

namespace Summoner.Config;

/// <summary>
/// summoner.toml, parsed and validated. Load it with <see cref="Load"/>; every problem in the
/// file comes back at once as a <see cref="ConfigException"/> whose lines read file:line:column.
/// </summary>
public sealed record SummonerConfig
{
    public const string DefaultFileName = "summoner.toml";

    /// <summary>Absolute path of the file this was loaded from.</summary>
    public required string SourcePath { get; init; }

    /// <summary>The directory relative paths in the file are resolved against.</summary>
    public required string BaseDirectory { get; init; }

    public required DnsConfig Dns { get; init; }

    public required LibvirtConfig Libvirt { get; init; }

    public required NetworkConfig Network { get; init; }

    public required LimitsConfig Limits { get; init; }

    public required MetricsConfig Metrics { get; init; }

    public required ServiceDefaults Defaults { get; init; }

    public required IReadOnlyList<ServiceConfig> Services { get; init; }

    /// <summary>[[host]] entries; none means guests run on this machine's embedded driver ([libvirt]), as without hosts.</summary>
    public IReadOnlyList<HostConfig> Hosts { get; init; } = [];

    public PlacementConfig Placement { get; init; } = new();

    /// <summary>Things that do not stop loading but will matter later (an image not built yet).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>The service answering to a queried name (any case, with or without the trailing dot), or null.</summary>
    public ServiceConfig? FindByDnsName(string name)
    {
        string normalized = name.EndsWith('.') ? name[..^1] : name;
        foreach (ServiceConfig service in Services)
        {
            foreach (string dnsName in service.DnsNames)
            {
                if (string.Equals(dnsName, normalized, StringComparison.OrdinalIgnoreCase)) return service;
            }
        }
        return null;
    }

    public ServiceConfig? FindByName(string name) =>
        Services.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    /// <summary>Reads and validates a file. Errors name it as <paramref name="path"/> was given.</summary>
    public static SummonerConfig Load(string path)
    {
        TomlTable root;
        try
        {
            root = TomlReader.ReadFile(path);
        }
        catch (TomlException e)
        {
            throw new ConfigException([new ConfigError(e.File, e.Position, e.Reason)]);
        }
        return new ConfigLoader(path, root).Load();
    }

    /// <summary>Parses text as if read from <paramref name="path"/> (which anchors relative paths).</summary>
    public static SummonerConfig Parse(string text, string path)
    {
        TomlTable root;
        try
        {
            root = TomlReader.Parse(text, path);
        }
        catch (TomlException e)
        {
            throw new ConfigException([new ConfigError(e.File, e.Position, e.Reason)]);
        }
        return new ConfigLoader(path, root).Load();
    }
}
