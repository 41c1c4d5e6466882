namespace Summoner.Dns.Zones;

/// <summary>A zone definition that cannot be served; the message names the zone, the field and the fix.</summary>
public sealed class ZoneConfigurationException : Exception
{
    public ZoneConfigurationException() { }
    public ZoneConfigurationException(string message) : base(message) { }
    public ZoneConfigurationException(string message, Exception inner) : base(message, inner) { }
}
