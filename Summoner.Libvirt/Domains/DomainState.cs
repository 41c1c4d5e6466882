namespace Summoner.Libvirt;

/// <summary>virDomainState: what a domain is doing right now.</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    ShuttingDown = 4,
    ShutOff = 5,
    Crashed = 6,
    PmSuspended = 7,
}

/// <summary>A domain's state and libvirt's reason code for it (virDomain*Reason, which enum depends on the state).</summary>
public readonly record struct DomainStatus(DomainState State, int Reason);

/// <summary>Counters of one virtual NIC as the guest sees them (libvirt swaps a tap's rx/tx for us).</summary>
public readonly record struct InterfaceStatistics(
    long RxBytes, long RxPackets, long RxErrors, long RxDropped,
    long TxBytes, long TxPackets, long TxErrors, long TxDropped);
