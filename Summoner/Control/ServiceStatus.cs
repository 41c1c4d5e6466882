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
    [property: JsonPropertyName("reloadPending")] bool ReloadPending = false,
    [property: JsonPropertyName("host")] string? Host = null)
{
    /// <param name="hostOf">The host a guest runs on ([[host]] entries), or null without hosts.</param>
    public static ServiceStatus Of(ServiceOwner owner, DateTime nowUtc, Func<string, string?>? hostOf = null) => new(
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
        owner.PendingSpec is not null,
        owner.GuestName is { } guest && hostOf is not null ? hostOf(guest) : null);
}

/// <summary>One row of <c>/api/hosts</c> and of <c>summoner hosts</c>.</summary>
public sealed record HostRow(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("guests")] int Guests,
    [property: JsonPropertyName("maxGuests")] int MaxGuests,
    [property: JsonPropertyName("guestMemoryMiB")] long GuestMemoryMiB,
    [property: JsonPropertyName("maxGuestMemoryMiB")] long MaxGuestMemoryMiB,
    [property: JsonPropertyName("placementFailures")] long PlacementFailures,
    [property: JsonPropertyName("reason")] string? Reason)
{
    public static HostRow Of(HostStatus h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new(h.Name, h.State.ToString().ToLowerInvariant(), h.Guests, h.MaxGuests, h.GuestMemoryMiB, h.MaxMemoryMiB, h.PlacementFailures, h.DownReason);
    }
}

[JsonSerializable(typeof(ServiceStatus[]))]
[JsonSerializable(typeof(ServiceStatus))]
[JsonSerializable(typeof(HostRow[]))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
