using System.Collections.Concurrent;
using System.Net;
using Summoner.Dns;
using Summoner.Engine;

namespace Summoner.Adapters;

/// <summary>
/// The DNS server's view of the summon engine: a query for a service name summons it. A ready
/// service is answered synchronously from a cached answer (no allocation on the hot path). The
/// answer deadline is the DNS server's alone (<see cref="DnsServerOptions.ServiceAnswerDeadline"/>):
/// it answers SERVFAIL at it and counts it, while a wait here lasts as long as the summon does
/// (bounded by the boot deadline), so <c>waiting_queries</c> counts every query still holding a waiter.
/// </summary>
public sealed class EngineAnswerSource : IServiceAnswerSource
{
    private readonly SummonEngine _engine;
    private readonly uint _ttlSeconds;
    private readonly ConcurrentDictionary<IPAddress, ServiceAnswer> _answers = new();
    private readonly int _maxWaiting;
    private readonly Action<string>? _refused;
    private int _waiting;

    /// <param name="maxWaiting">Queries that may wait for a summon at once ([limits] waiting_queries); more get SERVFAIL at once.</param>
    /// <param name="refused">Told the reason of each query refused by a guard (client_budget, waiting_queries).</param>
    public EngineAnswerSource(SummonEngine engine, TimeSpan ttl, int maxWaiting = int.MaxValue, Action<string>? refused = null)
    {
        _maxWaiting = maxWaiting;
        _refused = refused;
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _ttlSeconds = (uint)Math.Max(0, ttl.TotalSeconds);
    }

    public ValueTask<ServiceAnswer> ResolveAsync(ServiceQuery query, CancellationToken cancellationToken)
    {
        ServiceOwner? owner = _engine.Find(query.Service);
        if (owner is null) return ValueTask.FromResult(ServiceAnswer.Failure($"no service named {query.Service}"));
        Task<SummonOutcome> summon = owner.SummonAsync(SummonTrigger.Dns, query.Client);
        if (summon.IsCompletedSuccessfully)
        {
            if (summon.Result.Failure == SummonFailure.ClientBudget) _refused?.Invoke("client_budget");
            return ValueTask.FromResult(ToAnswer(summon.Result, owner));
        }
        // The boot (if this query started one) goes on: only this query's wait is refused.
        if (Interlocked.Increment(ref _waiting) > _maxWaiting)
        {
            Interlocked.Decrement(ref _waiting);
            _refused?.Invoke("waiting_queries");
            return ValueTask.FromResult(ServiceAnswer.Failure($"more than {_maxWaiting} queries wait for summons ([limits] waiting_queries)"));
        }
        return new ValueTask<ServiceAnswer>(WaitAsync(summon, owner, cancellationToken));
    }

    private async Task<ServiceAnswer> WaitAsync(Task<SummonOutcome> summon, ServiceOwner owner, CancellationToken cancellationToken)
    {
        try
        {
            return ToAnswer(await summon.WaitAsync(cancellationToken).ConfigureAwait(false), owner);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    // With a door in front (loopback mode) clients get the service's own address, never a guest's.
    private ServiceAnswer ToAnswer(SummonOutcome outcome, ServiceOwner owner) =>
        outcome.Address is { } address
            ? _answers.GetOrAdd(owner.Spec.PublicAddress ?? address, a => ServiceAnswer.Success([a], _ttlSeconds))
            : ServiceAnswer.Failure(outcome.Detail ?? outcome.Failure.ToString());
}
