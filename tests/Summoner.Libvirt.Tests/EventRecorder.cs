using System.Collections.Concurrent;

namespace Summoner.Libvirt.Tests;

/// <summary>Collects a connection's lifecycle events (through the .NET event) and waits for specific ones.</summary>
internal sealed class EventRecorder : IDisposable
{
    private readonly LibvirtConnection connection;
    private readonly ConcurrentQueue<DomainLifecycleEvent> events = new();
    private readonly SemaphoreSlim arrived = new(0);

    public EventRecorder(LibvirtConnection connection)
    {
        this.connection = connection;
        connection.DomainLifecycle += OnEvent;
    }

    public IReadOnlyList<DomainLifecycleEvent> For(string domain) => events.Where(e => e.DomainName == domain).ToList();

    public async Task<DomainLifecycleEvent> WaitAsync(string domain, Func<DomainLifecycleEvent, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var hit = events.FirstOrDefault(e => e.DomainName == domain && match(e));
            if (hit is not null) return hit;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"no {what} event for {domain}; saw: {string.Join(", ", For(domain))}");
            await arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public Task<DomainLifecycleEvent> WaitAsync(string domain, DomainEventKind kind, TimeSpan? timeout = null) =>
        WaitAsync(domain, e => e.Kind == kind, kind.ToString(), timeout);

    public void Dispose()
    {
        connection.DomainLifecycle -= OnEvent;
        arrived.Dispose();
    }

    private void OnEvent(object? sender, DomainLifecycleEvent e)
    {
        events.Enqueue(e);
        arrived.Release();
    }
}
