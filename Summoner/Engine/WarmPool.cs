using Microsoft.Extensions.Logging;

namespace Summoner.Engine;

/// <summary>
/// One service's warm pool: guests prepared ahead of a query (see <see cref="PoolMode"/>), each
/// through the service's <see cref="BootPipeline"/>. It shares its owner's lock, so a summon's take
/// and a reload's drain happen in the same step as the owner's own change; methods named *Locked
/// expect the caller to hold it.
/// </summary>
/// <param name="gate">The owner's lock.</param>
/// <param name="keeps">Asked under the lock once a member is prepared: does the owner still want a
/// member of this spec (no reload, removal or shutdown since)?</param>
internal sealed class WarmPool(string service, object gate, BootPipeline pipeline, EngineParts engine, ILogger log, Func<ServiceSpec, bool> keeps)
{
    // Repeated preparation failures stop the refills; the next summon boots cold.
    private const int MaxFailures = 3;
    private readonly List<Member> _members = [];
    private readonly List<Task> _preparations = [];
    private int _preparing;
    private int _failures;

    /// <param name="Spec">What the member was made from (its share of the caps is returned by it).</param>
    public sealed record Member(IGuest Guest, ServiceSpec Spec);

    public int ReadyCount { get { lock (gate) return _members.Count; } }

    /// <summary>Preparations not finished yet (shutdown waits for them so their guests are not left behind).</summary>
    public IEnumerable<Task> PreparationsLocked => _preparations.Where(t => !t.IsCompleted);

    /// <summary>A new spec: its members get a fresh chance after the old spec's failures.</summary>
    public void ForgetFailuresLocked() => _failures = 0;

    /// <summary>Takes the oldest member for a summon's wake, or null when the pool is empty.</summary>
    public Member? TakeLocked()
    {
        if (_members.Count == 0) return null;
        Member member = _members[0];
        _members.RemoveAt(0);
        engine.Observer.PoolChanged(service, _members.Count);
        return member;
    }

    public List<Member> TakeAllLocked()
    {
        List<Member> members = [.. _members];
        _members.Clear();
        engine.Observer.PoolChanged(service, 0);
        return members;
    }

    /// <summary>Takes out a member that exited on its own; null when <paramref name="guestName"/> is no member.</summary>
    public Member? RemoveExitedLocked(string guestName)
    {
        int i = _members.FindIndex(m => m.Guest.Name == guestName);
        if (i < 0) return null;
        Member member = _members[i];
        _members.RemoveAt(i);
        _failures++;
        engine.Observer.PoolChanged(service, _members.Count);
        return member;
    }

    /// <summary>Starts preparing members of <paramref name="spec"/> until the pool holds <see cref="ServiceSpec.WarmPool"/>.</summary>
    public void FillLocked(ServiceSpec spec)
    {
        if (_failures >= MaxFailures) return;
        _preparations.RemoveAll(t => t.IsCompleted);
        while (_members.Count + _preparing < spec.WarmPool)
        {
            _preparing++;
            _preparations.Add(Task.Run(() => PrepareAsync(spec)));
        }
    }

    private async Task PrepareAsync(ServiceSpec spec)
    {
        using var attempt = new BootAttempt(spec, BootRoute.Prepare(spec.PoolMode), engine.Options.Time);
        switch (await pipeline.RunAsync(attempt).ConfigureAwait(false))
        {
            case BootResult.Refused refused:
                lock (gate)
                {
                    _preparing--;
                    // A refill never waits for room; no room now is no failure of the spec.
                    if (refused.Cap is null) _failures++;
                }
                if (refused.Cap is null) log.LogWarning("{Service}: no address for a pool member: {Message}", service, refused.Detail);
                break;

            case BootResult.Done done:
                bool keep;
                lock (gate)
                {
                    _preparing--;
                    keep = keeps(spec);
                    if (keep)
                    {
                        _members.Add(new Member(done.Guest, spec));
                        _failures = 0;
                        engine.Observer.PoolChanged(service, _members.Count);
                    }
                }
                if (!keep)
                {
                    await pipeline.DestroyAsync(done.Guest).ConfigureAwait(false);
                    engine.Capacity.Release(spec, done.Guest.Name, done.Guest.Network);
                    return;
                }
                log.LogInformation("{Service}: pool member {Guest} prepared ({Mode}) in {Ms:F1} ms", service, done.Guest.Name, spec.PoolMode, attempt.Elapsed.TotalMilliseconds);
                break;

            case BootResult.Failed failed:
                log.LogWarning("{Service}: preparing pool member {Guest} failed: {Message}\n{Console}", service, attempt.GuestName, failed.Error.Message, failed.ConsoleTail ?? "");
                lock (gate) { _preparing--; _failures++; }
                _ = pipeline.DestroyInBackground(spec, attempt.GuestName!, attempt.Network!, failed.Guest, reason: null, failed.PendingCreate);
                break;
        }
    }

    /// <summary>Destroys members taken out of the pool and returns their room.</summary>
    public async Task DestroyAsync(List<Member> members)
    {
        foreach (Member m in members)
        {
            await pipeline.DestroyAsync(m.Guest).ConfigureAwait(false);
            engine.Capacity.Release(m.Spec, m.Guest.Name, m.Guest.Network);
        }
    }
}
