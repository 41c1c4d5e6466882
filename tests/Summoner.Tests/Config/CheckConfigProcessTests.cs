using System.Diagnostics;

namespace Summoner.Tests.Config;

/// <summary>`summoner check-config` as a user runs it: a real process, its exit code and its stderr.</summary>
[Trait("Category", "unit")]
public sealed class CheckConfigProcessTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "summoner.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Bad_configs_exit_non_zero_with_every_error_located()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-check-").FullName;
        try
        {
            string path = Path.Combine(dir, "summoner.toml");
            await File.WriteAllTextAsync(path,
                "[dns]\nlisten = \"127.0.0.1:5300\"\ncolour = \"blue\"\n" +
                "[[service]]\nname = \"hello\"\nimage = \"hello\"\nports = [80000]\n" +
                "[[service]]\nname = \"hello\"\nimage = \"hello\"\nports = [80]\n");
            var (exitCode, _, stderr) = await RunAsync("check-config", path);
            Assert.Equal(1, exitCode);
            string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith($"{path}:3:1: unknown key 'colour' in [dns]", lines[0], StringComparison.Ordinal);
            Assert.StartsWith($"{path}:7:10: port 80000", lines[1], StringComparison.Ordinal);
            Assert.StartsWith($"{path}:9:8: duplicate service name 'hello'", lines[2], StringComparison.Ordinal);

            await File.WriteAllTextAsync(path, "[dns\n");
            (exitCode, _, stderr) = await RunAsync("check-config", path);
            Assert.Equal(1, exitCode);
            Assert.StartsWith($"{path}:1:5: expected ']' to close the [dns] header, found end of line", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Daemon_commands_on_a_broken_file_print_its_errors_and_why_they_cannot_reach_the_daemon()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-check-").FullName;
        try
        {
            string path = Path.Combine(dir, "summoner.toml");
            await File.WriteAllTextAsync(path, "[dns\n");
            foreach (string[] args in new[] { new[] { "ps" }, ["stop", "hello"], ["logs", "hello"], ["hosts"] })
            {
                var (exitCode, stdout, stderr) = await RunAsync([.. args, "--config", path]);
                Assert.Equal(1, exitCode);
                Assert.Equal("", stdout);
                Assert.Equal(
                    $"{path}:1:5: expected ']' to close the [dns] header, found end of line\n" +
                    "summoner: the daemon is found through this file (its [metrics] listen and state_dir): fix the file above and run this again; a running daemon is not affected\n",
                    stderr);
            }
            var reload = await RunAsync("reload", "--config", path);
            Assert.Equal(1, reload.ExitCode);
            Assert.EndsWith("\nsummoner: nothing reloaded: fix the file above; the daemon keeps serving its running configuration\n", reload.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_repository_summoner_toml_checks_clean()
    {
        var (exitCode, stdout, stderr) = await RunAsync("check-config", Path.Combine(Summoner.Testing.RepoPaths.Root, "summoner.toml"));
        Assert.True(exitCode == 0, stderr);
        Assert.Contains("hello.summoner.test -> 127.77.0.1 ports 80", stdout, StringComparison.Ordinal);
        Assert.Contains("echo.summoner.test -> 127.77.0.2 ports 7", stdout, StringComparison.Ordinal);
    }
}
