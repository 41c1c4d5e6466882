using Summoner.Dns.Wire;

namespace Summoner.Dns.Zones;

/// <summary>The zones one server is authoritative for; a query outside all of them is refused.</summary>
public sealed class ZoneCatalog
{
    private readonly Zone[] _zones;

    public ZoneCatalog(IEnumerable<Zone> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        // Longest apex first, so a child zone served here wins over its parent.
        _zones = [.. zones.OrderByDescending(z => z.Apex.Wire.Length)];
        for (int i = 0; i < _zones.Length; i++)
        {
            for (int j = i + 1; j < _zones.Length; j++)
            {
                if (_zones[i].Apex.Equals(_zones[j].Apex))
                    throw new ZoneConfigurationException($"zone {_zones[i].Apex} is configured twice; merge the two definitions");
            }
        }
    }

    public static ZoneCatalog From(params ZoneDefinition[] definitions) => new(definitions.Select(Zone.Create));

    public IReadOnlyList<Zone> Zones => _zones;

    /// <summary>The zone holding <paramref name="name"/> (uncompressed wire form), or null.</summary>
    public Zone? Find(ReadOnlySpan<byte> name)
    {
        foreach (var zone in _zones)
        {
            if (DnsName.IsSubdomainOf(name, zone.Apex.Wire)) return zone;
        }
        return null;
    }
}
