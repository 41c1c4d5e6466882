using System.Text.Json.Serialization;
using Summoner.Engine;

namespace Summoner.Control;

/// <summary>One row of <c>/api/services</c> and of <c>summoner ps</c>.</summary>
public sealed record ServiceStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("dnsNames")] IReadOnlyList<string> DnsNames,
    [property: JsonPropertyName("guest")] string? Guest,
    [property: JsonPropertyName("uptimeSeconds")] double? UptimeSeconds,
    [property: JsonPropertyName("lastSummonMs")] double? LastSummonMs,
    [property: JsonPropertyName("poolReady")] int PoolReady,
    [property: JsonPropertyName("lastSummonWarm")] bool LastSummonWarm,
    [property: JsonPropertyName("guestAddress")] string? GuestAddress = null,
    [property: JsonPropertyName("reloadPending")] bool ReloadPending = false)
{
    public static ServiceStatus Of(ServiceOwner owner, DateTime nowUtc) => new(
        owner.Spec.Name,
        owner.State.ToString().ToLowerInvariant(),
        // The address clients use: the door's whether or not a guest runs (loopback mode).
        (owner.Spec.PublicAddress ?? owner.Network?.ServiceAddress)?.ToString(),
        owner.Spec.DnsNames,
        owner.GuestName,
        owner.ReadySinceUtc is { } since ? Math.Round((nowUtc - since).TotalSeconds, 1) : null,
        owner.LastSummon is { } last ? Math.Round(last.TotalMilliseconds, 1) : null,
        owner.PoolReady,
        owner.LastSummonWarm,
        owner.Network?.ServiceAddress.ToString(),
        // A reload changed the service while a guest of the old settings runs: they apply after it.
        owner.PendingSpec is not null);
}

[JsonSerializable(typeof(ServiceStatus[]))]
[JsonSerializable(typeof(ServiceStatus))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
