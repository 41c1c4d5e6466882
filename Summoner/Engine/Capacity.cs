namespace Summoner.Engine;

/// <summary>
/// The engine-wide room guests take under the [limits] caps: a boot slot from create until ready
/// or failed, a running-guest slot and the guest's memory until it is destroyed. This is all a
/// <see cref="ServiceOwner"/> asks of the engine about other services' guests.
/// </summary>
internal interface ICapacity
{
    /// <summary>
    /// Takes a boot slot, a running-guest slot and the memory for one guest of <paramref name="spec"/>.
    /// A summon (<paramref name="forQuery"/>) over a cap may wait for room; a warm-pool refill never
    /// waits and never takes room while a summon waits. Returns null, or the cap that refused.
    /// </summary>
    Task<EngineCap?> ReserveAsync(ServiceSpec spec, bool forQuery);

    /// <summary>Undoes <see cref="ReserveAsync"/> for a boot that never reached the hypervisor.</summary>
    void Unreserve(ServiceSpec spec);

    /// <summary>A boot reached ready or failed: its boot slot goes to the next waiting summon.</summary>
    void BootEnded();

    /// <summary>The named guest exists, or its create is under way: its room is returned by <see cref="Release"/> only.</summary>
    void Hold(string guestName);

    /// <summary>Returns a held guest's room and address once it is gone; a second call for the same guest is ignored.</summary>
    void Release(ServiceSpec spec, string guestName, GuestNetwork network);
}

/// <summary>The caps of one engine (<see cref="EngineOptions"/>), with the queue of summons waiting for room.</summary>
internal sealed class EngineCapacity(EngineOptions options, INetworkPlan plan, ISummonObserver observer, CancellationToken stopping) : ICapacity
{
    private readonly object _gate = new();
    private readonly LinkedList<CapWaiter> _waiters = new();
    // Guests whose room is taken until Release (and which shutdown destroys by name if nothing else did).
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private int _booting;
    private int _running;
    private long _memoryMiB;

    public int RunningGuests => Volatile.Read(ref _running);

    public long GuestMemoryMiB => Interlocked.Read(ref _memoryMiB);

    /// <summary>Summons waiting for room under a cap.</summary>
    public int WaitingSummons { get { lock (_gate) return _waiters.Count; } }

    /// <summary>Guests between create and ready-or-failed (what concurrent_boots counts).</summary>
    public int BootingGuests { get { lock (_gate) return _booting; } }

    /// <summary>Guests held and not released yet.</summary>
    public string[] Held { get { lock (_held) return [.. _held]; } }

    public async Task<EngineCap?> ReserveAsync(ServiceSpec spec, bool forQuery)
    {
        CapWaiter? waiter = null;
        lock (_gate)
        {
            EngineCap? over = OverCapLocked(spec) ?? (forQuery || _waiters.Count == 0 ? null : EngineCap.WaitingSummons);
            if (over is null)
                TakeLocked(spec);
            else if (!forQuery || stopping.IsCancellationRequested || options.CapWait <= TimeSpan.Zero || _waiters.Count >= options.WaitingSummons)
                return over;
            else
                _waiters.AddLast(waiter = new CapWaiter(spec, over.Value));
        }
        if (waiter is not null)
        {
            // The wait's clock runs before the wait is reported, so whoever saw the report knows when it ends.
            Task granted = waiter.Granted.Task.WaitAsync(options.CapWait, options.Time, stopping);
            observer.CapWaited(spec.Name, waiter.Cap);
            try
            {
                await granted.ConfigureAwait(false);
            }
            catch (TimeoutException) { }
            catch (OperationCanceledException) { }
            // Only a grant (under the lock) takes a waiter off the list, together with its room.
            lock (_gate)
            {
                if (_waiters.Remove(waiter)) return waiter.Cap;
            }
        }
        observer.RunningGuestsChanged(RunningGuests);
        return null;
    }

    public void Unreserve(ServiceSpec spec)
    {
        lock (_gate)
        {
            _booting--;
            _running--;
            _memoryMiB -= spec.MemoryMiB;
            GrantWaitersLocked();
        }
        observer.RunningGuestsChanged(RunningGuests);
    }

    public void BootEnded()
    {
        lock (_gate)
        {
            _booting--;
            GrantWaitersLocked();
        }
    }

    public void Hold(string guestName)
    {
        lock (_held) _held.Add(guestName);
    }

    public void Release(ServiceSpec spec, string guestName, GuestNetwork network)
    {
        bool held;
        lock (_held) held = _held.Remove(guestName);
        if (!held) return;
        lock (_gate)
        {
            _running--;
            _memoryMiB -= spec.MemoryMiB;
            GrantWaitersLocked();
        }
        plan.Release(network);
        observer.RunningGuestsChanged(RunningGuests);
    }

    /// <summary>Counts a guest an earlier run left running, taken back without a boot (no boot slot, never waits).</summary>
    public void Adopt(ServiceSpec spec)
    {
        lock (_gate)
        {
            _running++;
            _memoryMiB += spec.MemoryMiB;
        }
    }

    /// <summary>Undoes <see cref="Adopt"/> for a guest its owner would not take.</summary>
    public void Unadopt(ServiceSpec spec)
    {
        lock (_gate)
        {
            _running--;
            _memoryMiB -= spec.MemoryMiB;
        }
    }

    private sealed class CapWaiter(ServiceSpec spec, EngineCap cap)
    {
        public ServiceSpec Spec { get; } = spec;
        public EngineCap Cap { get; set; } = cap;
        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private EngineCap? OverCapLocked(ServiceSpec spec)
    {
        if (_booting >= options.MaxConcurrentBoots) return EngineCap.ConcurrentBoots;
        if (_running >= options.MaxRunningGuests) return EngineCap.RunningGuests;
        if (_memoryMiB + spec.MemoryMiB > options.MaxTotalMemoryMiB) return EngineCap.GuestMemory;
        return null;
    }

    private void TakeLocked(ServiceSpec spec)
    {
        _booting++;
        _running++;
        _memoryMiB += spec.MemoryMiB;
    }

    /// <summary>Hands freed room to waiting summons, oldest first (a small one may pass a big one that does not fit).</summary>
    private void GrantWaitersLocked()
    {
        for (LinkedListNode<CapWaiter>? node = _waiters.First; node is not null;)
        {
            LinkedListNode<CapWaiter>? next = node.Next;
            CapWaiter w = node.Value;
            if (OverCapLocked(w.Spec) is { } over)
            {
                w.Cap = over;
            }
            else
            {
                _waiters.Remove(node);
                TakeLocked(w.Spec);
                w.Granted.TrySetResult();
            }
            node = next;
        }
    }
}
