using System.CommandLine;

namespace Summoner;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Summoner: boots C# unikernels on a DNS query and reaps them when idle.");
        root.Subcommands.Add(Serve.ServeCommand.Create());
        foreach (Command c in Cli.ControlCommands.Create()) root.Subcommands.Add(c);
        root.Subcommands.Add(Config.CheckConfigCommand.Create());
        root.Subcommands.Add(Cli.NewCommand.Create());
        root.Subcommands.Add(Keeper.KeeperProcess.Create());
        ParseResult parsed = root.Parse(args);
        // serve takes SIGTERM/SIGINT itself and stops in its own time (destroying
        // every guest can take seconds); System.CommandLine's own handler would end the process
        // with exit code 143 two seconds after the signal, halfway through that stop.
        bool ownsSignals = parsed.CommandResult.Command.Name == "serve";
        return parsed.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = ownsSignals ? null : TimeSpan.FromSeconds(2) });
    }
}
