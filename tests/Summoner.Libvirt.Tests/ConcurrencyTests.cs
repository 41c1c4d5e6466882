using System.Collections.Concurrent;
using Summoner.Testing;
using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// Twenty guests created and destroyed at once on one shared connection, while other threads
/// query it: the documented thread-safety of <see cref="LibvirtConnection"/> and <see cref="Domain"/>,
/// exercised for real. Afterwards nothing may remain: no QEMU, no runtime state files, no taps.
/// </summary>
[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class ConcurrencyTests(EmbeddedHost host) : IDisposable
{
    private const int Guests = 20;
    private readonly string scratch = TestGuests.NewScratchDirectory("conc");

    [Fact]
    public async Task Twenty_embedded_guests_start_and_stop_concurrently_leaving_nothing_behind()
    {
        await RunAsync(host.Connection, "embc", i => [], host.Root);
    }

    [Fact]
    public async Task Twenty_bridged_guests_on_a_daemon_start_and_stop_concurrently_leaving_no_taps()
    {
        using var ns = NetworkNamespace.Create("10.214.0.1/24");
        await using var daemon = await TestGuests.StartLibvirtdAsync(ns.Name);
        using var connection = await LibvirtConnection.OpenAsync(daemon.Uri);
        await RunAsync(connection, "brc", i => [new BridgeNic(ns.Bridge) { TapName = $"sumc{i}" }], daemon.Root);
        string links = ns.Ip("-o", "link", "show");
        Assert.DoesNotContain("sumc", links);
    }

    private async Task RunAsync(LibvirtConnection connection, string prefix, Func<int, NicSpec[]> nics, string stateRoot)
    {
        string image = TestGuests.HaltingImage(scratch);
        prefix = TestGuests.Name(prefix);
        var names = Enumerable.Range(0, Guests).Select(i => $"{prefix}-{i}").ToArray();
        using var watch = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var seen = new ConcurrentDictionary<string, ConcurrentQueue<DomainEventKind>>();
        var watcher = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in connection.WatchLifecycleAsync(watch.Token))
                    seen.GetOrAdd(e.DomainName, _ => new()).Enqueue(e.Kind);
            }
            catch (OperationCanceledException) { }
        });

        // Readers hammer the same connection from other threads while guests come and go.
        using var stopReaders = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(reader => Task.Run(() =>
        {
            int reads = 0;
            while (!stopReaders.IsCancellationRequested)
            {
                foreach (var d in connection.ListDomains())
                {
                    using (d)
                    {
                        try { _ = d.GetStatus(); } catch (LibvirtException e) when (e.Code == LibvirtException.ErrNoDomain) { }
                    }
                }
                connection.FindDomain(names[reads++ % Guests])?.Dispose();
            }
            return reads;
        })).ToArray();

        var domains = await Task.WhenAll(names.Select((name, i) =>
            connection.CreateDomainAsync(TestGuests.Spec(name, image, Path.Combine(scratch, name + ".serial"), nics(i)))));
        try
        {
            await Task.WhenAll(names.Select(n => TestGuests.WaitForSerialAsync(Path.Combine(scratch, n + ".serial"), ProbeImage.SuccessLine, TimeSpan.FromSeconds(90))));
            Assert.Equal(Guests, names.Sum(n => TestGuests.QemuProcessesMentioning("guest=" + n + ",").Count));
            await Task.WhenAll(domains.Select(d => d.DestroyAsync()));
        }
        finally
        {
            foreach (var d in domains) d.Dispose();
            await stopReaders.CancelAsync();
        }
        int[] reads = await Task.WhenAll(readers);
        Assert.All(reads, r => Assert.True(r > 0));

        // Every guest's Started and Stopped reached the async stream.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!names.All(n => seen.TryGetValue(n, out var q) && q.Contains(DomainEventKind.Started) && q.Contains(DomainEventKind.Stopped)))
        {
            Assert.True(DateTime.UtcNow < deadline, "missing events: " + string.Join(", ", names.Where(n => !seen.ContainsKey(n))));
            await Task.Delay(50);
        }
        await watch.CancelAsync();
        await watcher;

        foreach (string n in names)
        {
            Assert.Empty(TestGuests.QemuProcessesMentioning("guest=" + n + ","));
            Assert.Null(connection.FindDomain(n));
        }
        // Runtime state (pid files, status XML, per-domain directories) must be gone; libvirt keeps
        // per-domain QEMU logs under log/ by design.
        var leftovers = Directory.GetFileSystemEntries(stateRoot, "*" + prefix + "*", SearchOption.AllDirectories)
            .Where(p => !p.StartsWith(Path.Combine(stateRoot, "log") + "/", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(leftovers);
    }

    public void Dispose()
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
