using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Summoner.Libvirt;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>One embedded libvirt root for the run (libvirt allows one per process); real guests under it.</summary>
public sealed class RealLibvirt : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sumeng-lv-").FullName;

    public LibvirtConnection Connection { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Connection = await EmbeddedDriver.OpenAsync(new EmbeddedDriverOptions { StateDirectory = Root });

    public Task DisposeAsync()
    {
        foreach (Domain d in Connection.ListDomains())
        {
            using (d)
            {
                try { d.Destroy(); } catch (LibvirtException) { }
            }
        }
        Connection.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

[CollectionDefinition("real libvirt")]
public sealed class RealLibvirtGroup : ICollectionFixture<RealLibvirt>;

/// <summary>Keeps what a component logged, for assertions on warnings.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}

/// <summary>Passes everything to a real driver and notes when creates start and destroys end.</summary>
internal sealed class TimedDriver(IGuestDriver inner) : IGuestDriver
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public ConcurrentDictionary<string, TimeSpan> CreateStarted { get; } = new();
    public ConcurrentDictionary<string, TimeSpan> DestroyEnded { get; } = new();
    public TimeSpan Now => _clock.Elapsed;
    public Action<string>? BeforeCreate { get; set; }

    public event Action<GuestExit>? GuestExited
    {
        add => inner.GuestExited += value;
        remove => inner.GuestExited -= value;
    }

    public Task CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        CreateStarted[launch.GuestName] = Now;
        BeforeCreate?.Invoke(launch.GuestName);
        return inner.CreateAsync(launch, cancellationToken);
    }

    public async Task DestroyAsync(string guestName, CancellationToken cancellationToken)
    {
        await inner.DestroyAsync(guestName, cancellationToken);
        DestroyEnded[guestName] = Now;
    }

    public Task SuspendAsync(string guestName, CancellationToken cancellationToken) => inner.SuspendAsync(guestName, cancellationToken);
    public Task ResumeAsync(string guestName, CancellationToken cancellationToken) => inner.ResumeAsync(guestName, cancellationToken);
    public Task<GuestCounters?> GetCountersAsync(string guestName, CancellationToken cancellationToken) => inner.GetCountersAsync(guestName, cancellationToken);
    public Task<IReadOnlyList<string>> ListGuestsAsync(CancellationToken cancellationToken) => inner.ListGuestsAsync(cancellationToken);
    public Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken) => inner.ListRunningGuestsAsync(cancellationToken);
    public bool HasExited(string guestName) => inner.HasExited(guestName);
    public void Adopt(RunningGuest guest) => inner.Adopt(guest);
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
