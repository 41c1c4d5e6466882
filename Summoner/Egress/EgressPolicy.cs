using Summoner.Engine;

namespace Summoner.Egress;

/// <summary>Decides whether a guest of a service may connect to host:port: only an exact entry of its egress list allows it.</summary>
public static class EgressPolicy
{
    /// <summary>Null when allowed; otherwise the sentence the guest's app gets (and the log shows).</summary>
    public static string? Refusal(ServiceSpec service, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(host);
        string target = Normalize(host) + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return service.Egress.Contains(target, StringComparer.Ordinal)
            ? null
            : $"egress to {target} is not in service {service.Name}'s egress list: add it to summoner.toml";
    }

    /// <summary>Lower case without a trailing dot, as the config stores its entries.</summary>
    public static string Normalize(string host) => host.TrimEnd('.').ToLowerInvariant();
}
