using Summoner.Engine;
using Summoner.Metrics;

namespace Summoner.Adapters;

/// <summary>Per-host series on /metrics ([[host]] entries), read from the <see cref="HostSet"/> when /metrics is rendered.</summary>
public sealed class HostMetrics
{
    private readonly HostSet _hosts;
    private readonly Gauge _up;
    private readonly Gauge _guests;
    private readonly Gauge _maxGuests;
    private readonly Gauge _memory;
    private readonly Gauge _maxMemory;
    private readonly Counter _failures;
    private readonly Counter _unplaced;
    private readonly Dictionary<string, long> _failuresSeen = new(StringComparer.Ordinal);
    private long _unplacedSeen;
    private readonly Lock _gate = new();

    private HostMetrics(MetricRegistry registry, HostSet hosts)
    {
        _hosts = hosts;
        _up = registry.Gauge("summoner_host_up", "1 while the host's libvirt connection answers, 0 while it is down ([[host]] entries).", "host");
        _guests = registry.Gauge("summoner_host_guests", "Guests placed on the host (booting, ready or pooled).", "host");
        _maxGuests = registry.Gauge("summoner_host_guests_max", "The host's guests cap ([[host]] guests).", "host");
        _memory = registry.Gauge("summoner_host_guest_memory_bytes", "Memory of the guests placed on the host.", "host");
        _maxMemory = registry.Gauge("summoner_host_guest_memory_max_bytes", "The host's memory cap ([[host]] guest_memory).", "host");
        _failures = registry.Counter("summoner_host_placement_failures_total", "Placements that passed over the host because it was full (its guests or guest_memory cap).", "host");
        _unplaced = registry.Counter("summoner_placement_failures_total", "Summons (and warm-pool refills) no host could take: every host down or full.");
    }

    public static HostMetrics Register(SummonerMetrics metrics, HostSet hosts)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(hosts);
        return new HostMetrics(metrics.Registry, hosts);
    }

    /// <summary>Brings the series up to date; call before rendering.</summary>
    public void Sync()
    {
        lock (_gate)
        {
            foreach (HostStatus h in _hosts.Hosts)
            {
                _up.WithLabels(h.Name).Set(h.State == HostState.Up ? 1 : 0);
                _guests.WithLabels(h.Name).Set(h.Guests);
                _maxGuests.WithLabels(h.Name).Set(h.MaxGuests);
                _memory.WithLabels(h.Name).Set(h.GuestMemoryMiB << 20);
                _maxMemory.WithLabels(h.Name).Set(h.MaxMemoryMiB << 20);
                long seen = _failuresSeen.GetValueOrDefault(h.Name);
                if (h.PlacementFailures > seen) _failures.WithLabels(h.Name).Inc(h.PlacementFailures - seen);
                else if (seen == 0) _failures.WithLabels(h.Name).Inc(0);
                _failuresSeen[h.Name] = h.PlacementFailures;
            }
            long unplaced = _hosts.Unplaced;
            _unplaced.Inc(unplaced - _unplacedSeen);
            _unplacedSeen = unplaced;
        }
    }
}
