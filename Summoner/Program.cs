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
        return root.Parse(args).Invoke();
    }
}
