using Summoner.Testing;
using Xunit;

namespace Summoner.Serve.Tests;

/// <summary>The ./summoner launcher: bad input and missing packages give a clear message and a non-zero exit.</summary>
[Trait("Category", "root")]
public sealed class LauncherTests
{
    private static string Launcher => Path.Combine(RepoPaths.Root, "summoner");

    [Fact]
    public async Task An_unknown_command_lists_the_commands_and_exits_non_zero()
    {
        var r = await ServeDaemon.RunAsync(Launcher, "frobnicate");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("unknown command 'frobnicate': try ./summoner build | test | serve", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_root_a_missing_package_prints_the_exact_install_line_and_exits_non_zero()
    {
        // setpriv drops to nobody for this one command; the package name cannot exist in Debian.
        string? closed = FirstFolderClosedToOthers(Launcher);
        Assert.True(closed is null, $"user nobody cannot reach {Launcher}: {closed} is not searchable by others (chmod o+x {closed}, or clone somewhere that is)");
        var r = await ServeDaemon.RunAsync("env", "SUMMONER_EXTRA_PACKAGES=summoner-no-such-package", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", Launcher, "setup");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("missing Debian packages: summoner-no-such-package", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("apt-get update && apt-get install -y --no-install-recommends summoner-no-such-package", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_daemon_command_the_cli_knows_reaches_it_through_the_launcher()
    {
        // The launcher lists the CLI's commands by name: a command added to one must be added to the other.
        var help = await ServeDaemon.RunAsync("dotnet", ServeDaemon.SummonerDll, "--help");
        string[] commands = [.. help.Stdout[help.Stdout.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n').Skip(1)
            .Select(l => l.Trim().Split(' ')[0]).Where(c => c.Length > 0)];
        Assert.Contains("reload", commands);
        foreach (string command in commands)
        {
            var r = await ServeDaemon.RunAsync(Launcher, command, "--help");
            Assert.True(r.Exit == 0, $"./summoner {command} --help: {r.Stderr}");
            Assert.Contains("Usage:", r.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Setup_is_quiet_and_succeeds_when_nothing_is_missing()
    {
        var r = await ServeDaemon.RunAsync(Launcher, "setup");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("", r.Stderr.Trim());
    }

    [Fact]
    public async Task Serve_skips_the_package_check_and_the_build_when_nothing_changed_since_the_last_build()
    {
        string missing = Path.Combine(Path.GetTempPath(), "summoner-no-such-config-" + Guid.NewGuid().ToString("N") + ".toml");
        // The first call builds if the tree changed since the last build (and stamps it); the second must not.
        var first = await ServeDaemon.RunAsync(TimeSpan.FromMinutes(10), Launcher, "serve", "--config", missing);
        Assert.NotEqual(0, first.Exit);
        var second = await ServeDaemon.RunAsync(Launcher, "serve", "--config", missing);
        Assert.NotEqual(0, second.Exit);
        Assert.Contains("summoner: nothing changed since the last build: skipped the package check and the build", second.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Build succeeded", second.Stdout, StringComparison.Ordinal);
        Assert.Contains("cannot read the file", second.Stderr, StringComparison.Ordinal); // and it went on to serve's own checks
    }

    private static string? FirstFolderClosedToOthers(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        for (string? dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if ((File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0) return dir;
        }
        return null;
    }

    [Fact]
    public async Task A_relative_config_path_is_taken_from_where_the_user_is_and_none_means_the_checkouts()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-cwd-").FullName;
        try
        {
            // A copy of the default file with one service more, as docs/writing-a-service.md has users make.
            File.WriteAllText(Path.Combine(dir, "mine.toml"), File.ReadAllText(Path.Combine(RepoPaths.Root, "summoner.toml"))
                .Replace("state_dir = \"state\"", "state_dir = \"" + Path.Combine(dir, "state") + "\"", StringComparison.Ordinal)
                + "\n[[service]]\nname = \"mine\"\nimage = \"hello\"\nports = [80]\n");
            var mine = await GuideProject.InAsync(dir, Launcher, "check-config", "mine.toml");
            Assert.True(mine.Exit == 0, mine.Stdout + mine.Stderr);
            Assert.StartsWith("mine.toml: OK", mine.Stdout, StringComparison.Ordinal);
            // Its app names still find this checkout's images.
            Assert.Matches(@"service\s+mine\s+mine\.summoner\.test -> \S+ ports 80 .* image " + System.Text.RegularExpressions.Regex.Escape(Path.Combine(RepoPaths.Images, "hello.elf")) + "\n", mine.Stdout);
            var ps = await GuideProject.InAsync(dir, Launcher, "ps", "--config", "mine.toml");
            Assert.Contains($"no control token at {Path.Combine(dir, "state", "control.token")}", ps.Stderr, StringComparison.Ordinal);

            var checkout = await GuideProject.InAsync(dir, Launcher, "check-config");
            Assert.True(checkout.Exit == 0, checkout.Stdout + checkout.Stderr);
            Assert.StartsWith(Path.Combine(RepoPaths.Root, "summoner.toml") + ": OK", checkout.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Run_without_an_app_says_how_to_use_it()
    {
        var r = await ServeDaemon.RunAsync(Launcher, "run", "nosuch");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("no app 'nosuch' under apps/", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_refuses_a_bad_env_setting_without_echoing_its_value()
    {
        var r = await ServeDaemon.RunAsync(Launcher, "run", "hello", "--env", "9lives=top-secret");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("--env 9lives: write KEY=VALUE with a KEY of letters, digits and '_'", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("top-secret", r.Stderr, StringComparison.Ordinal);
        var port = await ServeDaemon.RunAsync(Launcher, "run", "hello", "--env", "port=81");
        Assert.Contains("--env port: ports come from the project's <GuestPorts>", port.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_refuses_an_unknown_template_and_writes_nothing()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-new-").FullName;
        try
        {
            var r = await ServeDaemon.RunAsync(Launcher, "new", "grpc", Path.Combine(dir, "svc"));
            Assert.NotEqual(0, r.Exit);
            Assert.Contains("unknown template 'grpc': use one of http", r.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
