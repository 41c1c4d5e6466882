using System.Net;
using Microsoft.Extensions.Logging;
using Summoner.Config;
using Summoner.Dns;
using Summoner.Dns.Zones;
using Summoner.Engine;

using Summoner.Linux;

namespace Summoner.Serve;

/// <summary>What one reload did: <see cref="Ok"/> false when the file was refused (nothing changed).</summary>
public sealed record ReloadReport(bool Ok, IReadOnlyList<string> Lines)
{
    /// <summary>The report <c>summoner reload</c> prints; a refusal ends saying nothing changed, as the
    /// CLI says for a file it cannot load itself.</summary>
    public override string ToString() => string.Join('\n', Ok ? Lines : [.. Lines, Refused]) + "\n";

    private const string Refused = "nothing reloaded: the daemon keeps serving its running configuration";
}

/// <summary>
/// Re-reads summoner.toml while serving (SIGHUP, <c>summoner reload</c>). The [[service]] entries
/// and the zone's records apply at once (<see cref="SummonEngine.Apply"/>); settings of the other
/// sections are bound when the daemon starts (sockets, the hypervisor, the state directory, caps),
/// so a change there is reported as needing a restart and the running value stays. A file that
/// does not load is refused whole: the running configuration stays as it was.
/// </summary>
public sealed class ConfigReload : IDisposable
{
    private readonly string _path;
    private readonly SummonerConfig _started;
    private readonly SummonEngine _engine;
    private readonly DnsServer _dns;
    private readonly Door.ServiceDoor _door;
    private readonly ILogger _log;
    private readonly byte[]? _egressSecret;
    private readonly SemaphoreSlim _one = new(1, 1);

    // Bridge addresses the file no longer names that a guest may still use (a drained service's,
    // or a changed service's old address while its old guest runs); guarded by _one.
    private readonly HashSet<IPAddress> _leaving = [];

    /// <param name="egressSecret">What the services' egress tokens are derived from (the same as at start, so an unchanged service stays unchanged).</param>
    public ConfigReload(string path, SummonerConfig started, SummonEngine engine, DnsServer dns, Door.ServiceDoor door, ILogger log, byte[]? egressSecret = null)
    {
        _egressSecret = egressSecret;
        _path = path;
        _started = started;
        Current = started;
        _engine = engine;
        _dns = dns;
        _door = door;
        _log = log;
        // A changed service's old guest is gone: its old address may go now, not at the next reload.
        _engine.PendingSpecApplied += OnPendingSpecApplied;
    }

    public void Dispose()
    {
        _engine.PendingSpecApplied -= OnPendingSpecApplied;
        _one.Dispose();
    }

    // The door reconciles its own ports on this event; only the bridge's addresses are left to do here.
    private void OnPendingSpecApplied()
    {
        if (_started.Network.Mode == NetworkMode.Bridge) _ = LetGoAsync(Task.CompletedTask, reconcileDoor: false);
    }

    /// <summary>The configuration whose services are served now (its other sections may differ from the running ones: see <see cref="NeedsRestart"/>).</summary>
    public SummonerConfig Current { get; private set; }

    /// <summary>Whether services answer with their own address held by the door (one host, or many with [placement] entrance = "door"), or with their guest's.</summary>
    public bool PublicAddresses { get; init; } = true;

    /// <summary>Reloads the file the daemon was started with; one reload at a time.</summary>
    public async Task<ReloadReport> ReloadAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ReloadReport report;
            try
            {
                report = await ApplyAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                report = new ReloadReport(false, ["summoner is stopping"]);
            }
            foreach (string line in report.Lines)
            {
                if (report.Ok) _log.LogInformation("reload: {Line}", line);
                else _log.LogError("reload refused, the running configuration stays: {Line}", line);
            }
            return report;
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<ReloadReport> ApplyAsync(CancellationToken cancellationToken)
    {
        SummonerConfig next;
        try
        {
            next = SummonerConfig.Load(_path);
        }
        catch (ConfigException ex)
        {
            return new ReloadReport(false, ex.Message.Split('\n'));
        }
        var missing = next.Services.Select(s => s.MissingImage(next.SourcePath)).OfType<string>().ToList();
        if (missing.Count > 0) return new ReloadReport(false, missing);
        ZoneCatalog zones;
        try
        {
            zones = ZoneSetup.Catalog(next);
        }
        catch (ZoneConfigurationException ex)
        {
            return new ReloadReport(false, [$"{next.SourcePath}: [dns]: {ex.Message}"]);
        }

        var lines = new List<string>();
        foreach (string warning in next.Warnings) lines.Add("warning: " + warning);
        foreach (string setting in NeedsRestart(_started, next))
            lines.Add($"{setting} changed: needs a restart (the running value stays until then)");

        bool bridge = _started.Network.Mode == NetworkMode.Bridge;
        if (bridge)
        {
            // The door's addresses must exist on the bridge before it binds them.
            IPAddress[] fresh = [.. next.Services.Select(s => s.Address).Except(Current.Services.Select(s => s.Address))];
            try
            {
                if (fresh.Length > 0)
                    await BridgePlumbing.AddServiceAddressesAsync(_started.Network.Bridge.Name, _started.Network.Bridge.Netns, fresh, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                return new ReloadReport(false, [$"cannot add the new services' addresses to bridge {_started.Network.Bridge.Name}: {ex.Message}"]);
            }
        }
        ServiceChanges changes = _engine.Apply([.. next.Services.Select(s => EngineSetup.ToSpec(s, PublicAddresses, _egressSecret))], () => _dns.Zones = zones);
        // Addresses the file no longer names: let go once no guest of a drained service can use them.
        IPAddress[] left = [.. Current.Services.Select(s => s.Address).Except(next.Services.Select(s => s.Address))];
        _leaving.UnionWith(left);
        _leaving.ExceptWith(next.Services.Select(s => s.Address));
        Current = next;
        lines.AddRange(_door.Reconcile().Select(p => "warning: " + p));
        foreach (string name in changes.Added) lines.Add($"service {name}: added");
        foreach (ServiceChange c in changes.Changed)
        {
            string line = $"service {c.Name}: changed ({string.Join(", ", c.What)}): " + (c.KeepsRunningGuest
                ? "its running guest serves on as it was made; the next summon after it is reaped or stopped uses the new settings"
                : "the next summon uses the new settings");
            // The broker checks the latest list, so a guest made with egress is held to the new one at once.
            if (c.KeepsRunningGuest && c.What.Contains("egress") && _engine.Services.FirstOrDefault(o => o.Spec.Name == c.Name)?.Spec.Egress.Count > 0)
                line += "; its new egress list applies to the running guest's next connects at once";
            lines.Add(line);
        }
        foreach (string name in changes.Removed)
            lines.Add($"service {name}: removed: answered no more; its guest is destroyed once answers already given expire ({_started.Dns.ServiceTtl.TotalSeconds:0.###} s)");
        lines.Add($"{changes.Added.Count} added, {changes.Removed.Count} removed, {changes.Changed.Count} changed, {changes.Unchanged} unchanged");
        if (changes.Removed.Count > 0 || left.Length > 0) _ = LetGoAsync(changes.Drained, reconcileDoor: true);
        return new ReloadReport(true, lines);
    }

    /// <summary>Once <paramref name="drained"/> completes, lets go of the ports and bridge addresses no guest can use any more.</summary>
    private async Task LetGoAsync(Task drained, bool reconcileDoor)
    {
        await drained.ConfigureAwait(false);
        try
        {
            await _one.WaitAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return; // the daemon stopped meanwhile: its shutdown let everything go
        }
        try
        {
            if (reconcileDoor)
                foreach (string problem in _door.Reconcile()) _log.LogWarning("reload: {Problem}", problem);
            if (_started.Network.Mode != NetworkMode.Bridge) return;
            var held = _engine.Services.Concat(_engine.Draining).SelectMany(o => new[] { o.Spec.PublicAddress, o.LatestSpec.PublicAddress }).OfType<IPAddress>().ToHashSet();
            IPAddress[] gone = [.. _leaving.Where(a => !held.Contains(a))];
            if (gone.Length > 0)
                await BridgePlumbing.RemoveServiceAddressesAsync(_started.Network.Bridge.Name, _started.Network.Bridge.Netns, gone).ConfigureAwait(false);
            _leaving.ExceptWith(gone);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            _log.LogWarning("reload: letting go of removed services' addresses: {Message}", ex.Message);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>
    /// The settings outside [[service]] and the zone's records that differ between the running
    /// configuration and <paramref name="next"/>, as "[section] key": bound at start, they need a restart.
    /// </summary>
    public static IReadOnlyList<string> NeedsRestart(SummonerConfig running, SummonerConfig next)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(next);
        var changed = new List<string>();
        void Check<T>(string setting, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) changed.Add(setting);
        }
        Check("[dns] listen", running.Dns.Listen, next.Dns.Listen);
        Check("[dns] service_ttl", running.Dns.ServiceTtl, next.Dns.ServiceTtl);
        Check("[dns] answer_deadline", running.Dns.AnswerDeadline, next.Dns.AnswerDeadline);
        Check("[dns] tcp_connections", running.Dns.TcpConnections, next.Dns.TcpConnections);
        Check("[dns] tcp_connections_per_client", running.Dns.TcpConnectionsPerClient, next.Dns.TcpConnectionsPerClient);
        Check("[dns] tcp_message_timeout", running.Dns.TcpMessageTimeout, next.Dns.TcpMessageTimeout);
        Check("[libvirt]", running.Libvirt, next.Libvirt);
        Check("[network]", running.Network, next.Network);
        Check("[limits]", running.Limits, next.Limits);
        Check("[metrics]", running.Metrics, next.Metrics);
        Check("[placement]", running.Placement, next.Placement);
        // Each host's connection and placement state is built at start. Where an entry sits in the
        // file is no change: a comment added above it must not ask for a restart.
        static IEnumerable<HostConfig> Unplaced(IReadOnlyList<HostConfig> hosts) => hosts.Select(h => h with { Position = default });
        if (!Unplaced(running.Hosts).SequenceEqual(Unplaced(next.Hosts))) changed.Add("[[host]]");
        return changed;
    }
}
