using System.CommandLine;

namespace Summoner.Config;

/// <summary>`summoner check-config [path]`: load and validate a configuration, print what it means, serve nothing.</summary>
public static class CheckConfigCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path")
        {
            Description = "the configuration file (default: summoner.toml)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => SummonerConfig.DefaultFileName,
        };
        var command = new Command("check-config", "Check a configuration file: every error with file:line:column; exit 1 if any.") { path };
        command.SetAction(result => Run(result.GetValue(path) ?? SummonerConfig.DefaultFileName, Console.Out, Console.Error));
        return command;
    }

    public static int Run(string path, TextWriter output, TextWriter errors)
    {
        SummonerConfig config;
        try
        {
            config = SummonerConfig.Load(path);
        }
        catch (ConfigException e)
        {
            errors.WriteLine(e.Message);
            errors.WriteLine($"summoner: {path}: {e.Errors.Count} error(s); fix them and run `summoner check-config {path}` again");
            return 1;
        }
        foreach (string warning in config.Warnings) errors.WriteLine("warning: " + warning);
        output.WriteLine($"{path}: OK");
        output.WriteLine($"  dns      {config.Dns.Listen} zone {config.Dns.Zone} ns {string.Join(", ", config.Dns.NameServers)} ttl {Duration.Format(config.Dns.ServiceTtl)}");
        output.WriteLine($"  libvirt  {config.Libvirt.Uri} ({config.Libvirt.Accelerator.ToString().ToLowerInvariant()})");
        output.WriteLine($"  network  {config.Network.Mode.ToString().ToLowerInvariant()}" + (config.Network.Mode == NetworkMode.Bridge
            ? $" {config.Network.Bridge.Name} {config.Network.Bridge.Subnet} via {config.Network.Bridge.Gateway}" + (config.Network.Bridge.Netns is { } ns ? $" in netns {ns}" : "")
            : $" {config.Network.LoopbackRange}"));
        output.WriteLine($"  metrics  http://{config.Metrics.Listen}/metrics");
        foreach (ServiceConfig s in config.Services)
        {
            output.WriteLine($"  service  {s.Name,-12} {string.Join(",", s.DnsNames)} -> {s.Address} ports {s.PortList} {ByteSize.Format(s.MemoryBytes)} x{s.Vcpus} idle {Duration.Format(s.IdleTimeout)} image {s.ImagePath}");
            if (s.Egress.Count > 0) output.WriteLine($"           {"",-12} egress {string.Join(", ", s.Egress)}");
        }
        return 0;
    }
}
