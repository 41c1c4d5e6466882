namespace Summoner.Libvirt;

/// <summary>virDomainEventType: the lifecycle transition libvirt reported.</summary>
public enum DomainEventKind
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PmSuspended = 7,
    Crashed = 8,
}

/// <summary>
/// One lifecycle event. <see cref="Detail"/> is libvirt's detail code whose meaning depends on
/// the kind (for Stopped: 0 shutdown, 1 destroyed, 2 crashed, 5 failed — QEMU died under us).
/// </summary>
public sealed record DomainLifecycleEvent(string DomainName, Guid DomainUuid, DomainEventKind Kind, int Detail, DateTimeOffset ReceivedAt)
{
    public const int StoppedShutdown = 0;
    public const int StoppedDestroyed = 1;
    public const int StoppedCrashed = 2;
    public const int StoppedFailed = 5;

    /// <summary>The guest or its QEMU died without being asked to (guest crash, QEMU killed or failed).</summary>
    public bool IsCrash =>
        Kind == DomainEventKind.Crashed
        || (Kind == DomainEventKind.Stopped && Detail is StoppedCrashed or StoppedFailed);

    public override string ToString() => $"{DomainName}: {Kind}/{Detail}";
}
