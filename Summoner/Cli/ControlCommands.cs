using System.CommandLine;
using Summoner.Config;
using Summoner.Control;

namespace Summoner.Cli;

/// <summary>`summoner ps`, `stop NAME`, `logs NAME`, `reload`: ask a running daemon over its control API.</summary>
public static class ControlCommands
{
    private static Option<string> ConfigOption() =>
        new("--config", "-c") { Description = "Configuration file of the running daemon (for its [metrics] listen address and the control token in its state_dir)", DefaultValueFactory = _ => SummonerConfig.DefaultFileName };

    private static Option<string?> ControlOption() =>
        new("--control") { Description = "Control URL of the daemon, e.g. http://127.0.0.1:9753 (default: from the config)" };

    public static IEnumerable<Command> Create()
    {
        var ps = new Command("ps", "List services: state, address, uptime, last summon time.");
        Option<string> psConfig = ConfigOption();
        Option<string?> psControl = ControlOption();
        ps.Options.Add(psConfig);
        ps.Options.Add(psControl);
        ps.SetAction((r, ct) => RunAsync(r.GetValue(psConfig)!, r.GetValue(psControl), async c =>
        {
            ServiceStatus[] rows = await c.ListAsync(ct).ConfigureAwait(false);
            Console.Write(ControlClient.FormatTable(rows));
        }));
        yield return ps;

        var hosts = new Command("hosts", "List the [[host]] entries: up or down, guests and memory against their caps, placement failures.");
        Option<string> hostsConfig = ConfigOption();
        Option<string?> hostsControl = ControlOption();
        hosts.Options.Add(hostsConfig);
        hosts.Options.Add(hostsControl);
        hosts.SetAction((r, ct) => RunAsync(r.GetValue(hostsConfig)!, r.GetValue(hostsControl), async c =>
            Console.Write(ControlClient.FormatHosts(await c.HostsAsync(ct).ConfigureAwait(false)))));
        yield return hosts;

        var stopName = new Argument<string>("NAME") { Description = "Service name" };
        var stop = new Command("stop", "Destroy a service's running guest now (the next query summons it again).") { stopName };
        Option<string> stopConfig = ConfigOption();
        Option<string?> stopControl = ControlOption();
        stop.Options.Add(stopConfig);
        stop.Options.Add(stopControl);
        stop.SetAction((r, ct) => RunAsync(r.GetValue(stopConfig)!, r.GetValue(stopControl), async c =>
        {
            ServiceStatus s = await c.StopAsync(r.GetValue(stopName)!, ct).ConfigureAwait(false);
            Console.WriteLine($"{s.Name}: {s.State}");
        }));
        yield return stop;

        var logsName = new Argument<string>("NAME") { Description = "Service name" };
        var logs = new Command("logs", "Print a service's guest console (its current or last guest).") { logsName };
        Option<string> logsConfig = ConfigOption();
        Option<string?> logsControl = ControlOption();
        logs.Options.Add(logsConfig);
        logs.Options.Add(logsControl);
        logs.SetAction((r, ct) => RunAsync(r.GetValue(logsConfig)!, r.GetValue(logsControl), async c =>
            Console.Write(await c.LogsAsync(r.GetValue(logsName)!, ct).ConfigureAwait(false))));
        yield return logs;

        var reload = new Command("reload", "Make the running daemon re-read its configuration file: services added, removed or changed apply without a restart; a file with errors is refused and nothing changes.");
        Option<string> reloadConfig = ConfigOption();
        Option<string?> reloadControl = ControlOption();
        reload.Options.Add(reloadConfig);
        reload.Options.Add(reloadControl);
        reload.SetAction((r, ct) => RunAsync(r.GetValue(reloadConfig)!, r.GetValue(reloadControl), async c =>
            Console.Write(await c.ReloadAsync(ct).ConfigureAwait(false)), reloading: true));
        yield return reload;
    }

    /// <param name="reloading">A file with errors cannot name the daemon (its control address and token
    /// come from the file), so no command reaches it; for a reload that also means the daemon would
    /// refuse the file the same way: each says which, with the errors.</param>
    private static async Task<int> RunAsync(string configPath, string? control, Func<ControlClient, Task> action, bool reloading = false)
    {
        try
        {
            SummonerConfig config = SummonerConfig.Load(configPath);
            Uri baseUri = control is not null ? new Uri(control) : new Uri("http://" + config.Metrics.Listen);
            string token = ControlToken.Read(MetricsConfig.TokenPath(config.Libvirt.StateDirectory));
            using var client = new ControlClient(baseUri, token);
            await action(client).ConfigureAwait(false);
            return 0;
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(reloading
                ? "summoner: nothing reloaded: fix the file above; the daemon keeps serving its running configuration"
                : "summoner: the daemon is found through this file (its [metrics] listen and state_dir): fix the file above and run this again; a running daemon is not affected");
            return 1;
        }
        catch (Exception ex) when (ex is CliException or InvalidOperationException)
        {
            Console.Error.WriteLine("summoner: " + ex.Message);
            return 1;
        }
        catch (UriFormatException ex)
        {
            Console.Error.WriteLine($"summoner: --control {control}: {ex.Message} (expected e.g. http://127.0.0.1:9753)");
            return 1;
        }
    }
}
