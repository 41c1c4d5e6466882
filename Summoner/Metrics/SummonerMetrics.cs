namespace Summoner.Metrics;

/// <summary>
/// The metrics issue 7 asks `summoner serve` to expose, declared once so the engine, the DNS
/// front and the tests agree on names and labels. Durations are in seconds (Prometheus base
/// units; promtool flags milliseconds).
/// </summary>
public sealed class SummonerMetrics
{
    public SummonerMetrics(MetricRegistry? registry = null)
    {
        Registry = registry ?? new MetricRegistry();
        Summons = Registry.Counter("summoner_summons_total",
            "Summons started, by service and how they ended (ready, failed, deadline, refused).", "service", "result");
        SummonPhaseSeconds = Registry.Histogram("summoner_summon_phase_seconds",
            "Time spent in each summon phase: create (libvirt domain defined and started, or a pool member resumed), boot (to the guest's readiness line), ready (to the first accepted TCP connection), total (query to answer); kind tells a cold start (cold) from a wake of a booted (warm) or created-paused (prestart) pool member.",
            Histogram.LatencySecondsBuckets, "service", "phase", "kind");
        DnsQueries = Registry.Counter("summoner_dns_queries_total", "DNS queries answered, by response code (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...).", "rcode");
        DnsTcpRefusals = Registry.Counter("summoner_dns_tcp_refusals_total",
            "DNS-over-TCP connections refused or cut, by reason: global_cap ([dns] tcp_connections), per_client_cap (tcp_connections_per_client), slow_sender (a message not whole within tcp_message_timeout).", "reason");
        DnsServiceServfail = Registry.Counter("summoner_dns_service_servfail_total",
            "Queries for a service answered SERVFAIL by the DNS server itself, by reason: deadline (its summon did not finish within [dns] answer_deadline; the boot goes on), failed (the answer source failed).", "reason");
        RunningGuests = Registry.Gauge("summoner_running_guests", "Guests currently running (booting, ready or suspended in a warm pool).");
        GuestMemoryBytes = Registry.Gauge("summoner_guest_memory_bytes", "Memory assigned to running guests, against [limits] guest_memory.");
        Reaps = Registry.Counter("summoner_reaps_total", "Guests destroyed by Summoner, by service and reason (idle, stop, shutdown, removed).", "service", "reason");
        Crashes = Registry.Counter("summoner_crashes_total", "Guests that died without Summoner destroying them (libvirt lifecycle event).", "service");
        CapRefusals = Registry.Counter("summoner_cap_refusals_total", "Summons (and warm-pool refills) refused because a [limits] cap was reached, by cap (concurrent_boots, running_guests, guest_memory, waiting_summons).", "cap");
        SummonRefusals = Registry.Counter("summoner_summon_refusals_total",
            "Service queries answered SERVFAIL at once by a guard, by reason: client_budget (the client's network spent [limits] client_summons), waiting_queries (more than [limits] waiting_queries queries waited for summons).", "reason");
        CapWaits = Registry.Counter("summoner_cap_waits_total", "Summons that waited for room under a [limits] cap, by the cap that held them.", "cap");
        SummonsTriggered = Registry.Counter("summoner_summons_triggered_total", "Boots and pool wakes started, by service and what asked: dns (a query), connect (a TCP connection to the service's address, held by the door) or datagram (a UDP datagram to it).", "service", "trigger");
        DoorHeld = Registry.Counter("summoner_door_held_total", "Connections (and UDP flows) the door held while their service booted, by service.", "service");
        DoorHolding = Registry.Gauge("summoner_door_holding_connections", "Connections the door holds right now, waiting for a guest.");
        DoorRefused = Registry.Counter("summoner_door_refused_total", "Connections the door closed (and datagrams it dropped) without reaching a guest, by service and reason (deadline, cap, boot_failed, backoff, stopping, unreachable).", "service", "reason");
        EgressConnections = Registry.Counter("summoner_egress_connections_total", "Outbound connections guests asked the egress broker for, by service and result: relayed (dialled and relayed), refused (not in the service's egress list) or failed (the destination could not be reached).", "service", "result");
        WarmPoolGuests = Registry.Gauge("summoner_warm_pool_guests", "Booted, suspended guests waiting in a service's warm pool.", "service");
    }

    public MetricRegistry Registry { get; }

    public Counter Summons { get; }

    public Counter SummonsTriggered { get; }

    public Counter DoorHeld { get; }

    public Gauge DoorHolding { get; }

    public Counter DoorRefused { get; }

    public Counter EgressConnections { get; }

    public Histogram SummonPhaseSeconds { get; }

    public Counter DnsQueries { get; }

    public Counter DnsTcpRefusals { get; }

    public Counter DnsServiceServfail { get; }

    public Gauge RunningGuests { get; }

    public Gauge GuestMemoryBytes { get; }

    public Counter Reaps { get; }

    public Counter Crashes { get; }

    public Counter CapRefusals { get; }

    public Counter CapWaits { get; }

    public Counter SummonRefusals { get; }

    public Gauge WarmPoolGuests { get; }
}
