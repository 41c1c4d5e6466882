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

/// <summary>Passes everything to a real driver and notes when creates start and destroys end.</summary>
internal sealed class TimedDriver(IGuestDriver inner) : IGuestDriver
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public ConcurrentDictionary<string, TimeSpan> CreateStarted { get; } = new();
    public ConcurrentDictionary<string, TimeSpan> DestroyEnded { get; } = new();
    public TimeSpan Now => _clock.Elapsed;
    public Action<string>? BeforeCreate { get; set; }

    /// <summary>
    /// While set, console readers opened from now on for the lines to come (<c>fromStart: false</c>,
    /// what a wake reads) deliver nothing until it completes; a reader from the start is not held.
    /// </summary>
    public Task? HoldFreshConsole { get; set; }

    public async Task<IGuest> CreateAsync(GuestLaunch launch, CancellationToken cancellationToken)
    {
        CreateStarted[launch.GuestName] = Now;
        BeforeCreate?.Invoke(launch.GuestName);
        return new TimedGuest(this, await inner.CreateAsync(launch, cancellationToken));
    }

    public async Task DestroyAsync(string guestName, CancellationToken cancellationToken)
    {
        await inner.DestroyAsync(guestName, cancellationToken);
        DestroyEnded[guestName] = Now;
    }

    public Task<IReadOnlyList<RunningGuest>> ListRunningGuestsAsync(CancellationToken cancellationToken) => inner.ListRunningGuestsAsync(cancellationToken);
    public IGuest Adopt(RunningGuest guest) => new TimedGuest(this, inner.Adopt(guest));
    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class TimedGuest(TimedDriver driver, IGuest inner) : IGuest
    {
        public string Name => inner.Name;
        public GuestNetwork Network => inner.Network;
        public Task<GuestExit> Exited => inner.Exited;
        public bool HasExited => inner.HasExited;
        public IConsoleReader ReadConsole(bool fromStart) =>
            !fromStart && driver.HoldFreshConsole is { } hold ? new HeldReader(inner.ReadConsole(fromStart), hold) : inner.ReadConsole(fromStart);
        public Task SuspendAsync(CancellationToken cancellationToken) => inner.SuspendAsync(cancellationToken);
        public Task ResumeAsync(CancellationToken cancellationToken) => inner.ResumeAsync(cancellationToken);
        public Task<GuestCounters?> GetCountersAsync(CancellationToken cancellationToken) => inner.GetCountersAsync(cancellationToken);

        public async Task DestroyAsync(CancellationToken cancellationToken)
        {
            await inner.DestroyAsync(cancellationToken);
            driver.DestroyEnded[Name] = driver.Now;
        }
    }

    /// <summary>Opened at once (so it starts where the console is now), read only once <paramref name="hold"/> completed.</summary>
    private sealed class HeldReader(IConsoleReader inner, Task hold) : IConsoleReader
    {
        public async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            await hold.WaitAsync(cancellationToken);
            return await inner.ReadLineAsync(cancellationToken);
        }

        public string Tail(int count) => inner.Tail(count);

        public void Dispose() => inner.Dispose();
    }
}
