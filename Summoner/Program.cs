using System.CommandLine;

namespace Summoner;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Summoner: boots C# unikernels on a DNS query and reaps them when idle.");
        var serve = new Command("serve", "Serve summoner.toml: answer DNS for its zone, summon services on demand.");
        serve.SetAction(_ =>
        {
            Console.Error.WriteLine("summoner serve: coming (issue 7); the guest image pipeline and tests work today: ./summoner test");
            return 2;
        });
        root.Subcommands.Add(serve);
        root.Subcommands.Add(Config.CheckConfigCommand.Create());
        return root.Parse(args).Invoke();
    }
}
