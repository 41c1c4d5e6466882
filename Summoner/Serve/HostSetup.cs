using System.Net;
using Microsoft.Extensions.Logging;
using Summoner.Adapters;
using Summoner.Config;
using Summoner.Engine;
using Summoner.Libvirt;

namespace Summoner.Serve;

/// <summary>Turns the [[host]] entries into the engine's <see cref="HostSet"/>: one connection and one address plan per host.</summary>
public static class HostSetup
{
    /// <summary>How often each connection is checked; a quarter of down_after, at most a second.</summary>
    public static TimeSpan CheckInterval(PlacementConfig placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, placement.DownAfter.Ticks / 4));
    }

    /// <summary>libvirt keepalive probe interval (whole seconds) and missed probes before the connection is closed.</summary>
    public static (int IntervalSeconds, int Count) KeepAlive(PlacementConfig placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        int interval = Math.Max(1, (int)(placement.DownAfter.TotalSeconds / 4));
        int count = Math.Max(1, (int)((placement.DownAfter - CheckInterval(placement)).TotalSeconds / interval) - 1);
        return (interval, count);
    }

    /// <param name="local">This machine's libvirt (serve's embedded driver), for a [[host]] without uri.</param>
    public static HostSet Build(SummonerConfig config, LibvirtConnection local, Libvirt.Accelerator localAccelerator, string? qemuPidDirectory, string instanceId, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        string consoles = LibvirtGuestDriver.ConsoleDirectory(config.Libvirt.StateDirectory);
        var hosts = new List<HostDefinition>();
        foreach (HostConfig h in config.Hosts)
        {
            ILogger log = loggers.CreateLogger("Summoner.Libvirt." + h.Name);
            Func<CancellationToken, Task<IGuestDriver>> connect = h.Uri is not { } uri
                ? _ => Task.FromResult<IGuestDriver>(WarmingUp(new LibvirtGuestDriver(local, localAccelerator, log, consoles, qemuPidDirectory: qemuPidDirectory)))
                : ct => Task.Run<IGuestDriver>(() => Connect(uri, h, config.Placement, log, consoles), ct);
            hosts.Add(new HostDefinition(h.Name, Plan(config, h), h.Guests, h.GuestMemoryBytes >> 20, connect));
        }
        return new HostSet(hosts, config.Placement.Rule == Config.PlacementRule.Pack ? Engine.PlacementRule.Pack : Engine.PlacementRule.Spread,
            instanceId, loggers.CreateLogger("Summoner.Hosts"));
    }

    private static LibvirtGuestDriver WarmingUp(LibvirtGuestDriver driver)
    {
        driver.StartWarmUp();
        return driver;
    }

    private static LibvirtGuestDriver Connect(string uri, HostConfig h, PlacementConfig placement, ILogger log, string consoles)
    {
        LibvirtConnection connection = LibvirtConnection.Open(uri);
        Libvirt.Accelerator accelerator = h.Accelerator == Config.Accelerator.Tcg ? Libvirt.Accelerator.Tcg : Libvirt.Accelerator.Kvm;
        string? filter = h.Bridge is null ? null : DefineGuestFilter(connection, uri, log);
        LibvirtGuestDriver driver = WarmingUp(new LibvirtGuestDriver(connection, accelerator, log, consoles, remotePool: new ImagePool { Directory = h.ImageDirectory }, guestFilter: filter));
        // libvirt's keepalive (its event loop runs in LibvirtRuntime) closes a connection whose peer
        // stops answering about interval * (count + 1) after its last answer; with the check interval on
        // top that stays within down_after (libvirt counts whole seconds, hence down_after >= 3 s).
        // It starts once the warm-up is over, or down_after has passed: a fresh daemon's QEMU probe keeps
        // its host busy for seconds, and with three daemons probing on one 2-core machine (MultiHostTests)
        // the answers over ssh came later than down_after = 3 s allows and a healthy connection was closed.
        // HostSet places nothing on the host for that long either, so a host that dies in the window is
        // noticed at most down_after later than otherwise (sooner if its socket closes).
        (int interval, int count) = KeepAlive(placement);
        _ = driver.WarmedUp.WaitAsync(placement.DownAfter).ContinueWith(_ =>
        {
            try
            {
                if (!connection.SetKeepAlive(TimeSpan.FromSeconds(interval), count))
                    log.LogWarning("libvirt {Uri}: keepalive not supported by this connection; a hung host is noticed only when its socket closes", uri);
            }
            catch (Exception ex) when (ex is LibvirtException or ObjectDisposedException)
            {
                // Closed meanwhile: HostSet's next check sees the connection dead.
                log.LogDebug("libvirt {Uri}: keepalive not set: {Message}", uri, ex.Message);
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return driver;
    }

    /// <summary>
    /// Puts <see cref="Egress.GuestNetworkFilter"/> on a bridge host (every connect: libvirt leaves an unchanged
    /// filter alone) and returns its name, or null with a warning when that daemon cannot take it. Such a host
    /// still takes guests, unfiltered as before this filter existed, rather than being refused: refusing would
    /// take a working host out of placement over something only its operator can fix there, and the warning
    /// repeats on every connect until it is fixed.
    /// </summary>
    private static string? DefineGuestFilter(LibvirtConnection connection, string uri, ILogger log)
    {
        try
        {
            connection.DefineNetworkFilter(Egress.GuestNetworkFilter.Xml());
            return Egress.GuestNetworkFilter.Name;
        }
        catch (LibvirtException ex)
        {
            log.LogWarning("libvirt {Uri}: cannot define network filter {Filter} ({Message}): guests on this bridge host run WITHOUT egress enforcement and can open connections. "
                + "Enable libvirt's nwfilter driver there (libvirt-daemon-driver-nwfilter, or a monolithic libvirtd) and install iptables and ebtables on that host",
                uri, Egress.GuestNetworkFilter.Name, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// This machine's host draws from the upper half of [network] loopback_range (as without hosts);
    /// another host's guests each take one address of its address_range (not its network or broadcast
    /// address, nor a bridge host's gateway).
    /// </summary>
    private static INetworkPlan Plan(SummonerConfig config, HostConfig h)
    {
        if (h.IsLocal) return EngineSetup.LoopbackPlan(config);
        if (h.Bridge is { } bridge) return new BridgeNetworkPlan(bridge, null, h.AddressRange, h.Gateway!, remote: true);
        IPNetwork range = h.AddressRange;
        long size = 1L << (32 - range.PrefixLength);
        return new LoopbackNetworkPlan(Ipv4.Offset(range.BaseAddress, 1), (int)Math.Min(size - 2, 65534), anyRange: true);
    }
}
