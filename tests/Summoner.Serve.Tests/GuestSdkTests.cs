using System.Diagnostics;
using System.Net;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Summoner.Serve.Tests;

/// <summary>
/// One project made the way docs/writing-a-service.md says, in a temporary folder outside the
/// repository: `./summoner new http`, then a plain `dotnet build` (cold, then incremental).
/// </summary>
public sealed class GuideProject : IAsyncLifetime
{
    public string Folder { get; private set; } = "";
    public string Project => Path.Combine(Folder, "greeter");
    public string Image => Path.Combine(Project, "bin", "greeter.elf");
    public TimeSpan ColdBuild { get; private set; }
    public TimeSpan IncrementalBuild { get; private set; }
    public static string Launcher => Path.Combine(RepoPaths.Root, "summoner");

    public async Task InitializeAsync()
    {
        Folder = Directory.CreateTempSubdirectory("summoner-guide-").FullName;
        Assert.False(Folder.StartsWith(RepoPaths.Root, StringComparison.Ordinal), "the guide's project must live outside the repository");
        var created = await InAsync(Folder, Launcher, "new", "http", "greeter");
        Assert.True(created.Exit == 0, created.Stdout + created.Stderr);
        var sw = Stopwatch.StartNew();
        var build = await InAsync(Project, "dotnet", "build", "-nologo");
        ColdBuild = sw.Elapsed;
        Assert.True(build.Exit == 0, build.Stdout + build.Stderr);
        sw.Restart();
        build = await InAsync(Project, "dotnet", "build", "-nologo");
        IncrementalBuild = sw.Elapsed;
        Assert.True(build.Exit == 0, build.Stdout + build.Stderr);
        Assert.True(File.Exists(Image), "dotnet build wrote no image at " + Image);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs a command with <paramref name="directory"/> as working directory, as a user at a shell would.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> InAsync(string directory, string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync(), e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await o, await e);
    }
}

[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class GuestSdkTests : IClassFixture<GuideProject>
{
    private readonly GuideProject _project;
    private readonly ITestOutputHelper _out;

    public GuestSdkTests(GuideProject project, ITestOutputHelper output)
    {
        _project = project;
        _out = output;
    }

    private static Task<(int Exit, string Stdout, string Stderr)> CurlAsync(string url) =>
        ServeDaemon.RunAsync("curl", "-s", "-o", "/dev/stdout", "-w", "\n%{http_code}", "-m", "10", url);

    /// <summary>The guide's snippet with its GREETING replaced by <paramref name="greeting"/> and the service renamed.</summary>
    private string Snippet(string name, string greeting, string ports = "[80]") =>
        File.ReadAllText(Path.Combine(_project.Project, "summoner.service.toml"))
            .Replace("name = \"greeter\"", $"name = \"{name}\"", StringComparison.Ordinal)
            .Replace("ports = [80]", "ports = " + ports, StringComparison.Ordinal)
            .Replace("GREETING = \"Hello from greeter\"", $"GREETING = \"{greeting}\"", StringComparison.Ordinal);

    [Fact]
    public async Task Static_content_outside_the_repository_goes_into_the_image_and_a_file_over_the_limit_fails_the_build_naming_it()
    {
        string www = Path.Combine(_project.Project, "wwwroot");
        Directory.CreateDirectory(www);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(www, "hello.txt"), "static hello from outside the repository\n");
            await File.WriteAllBytesAsync(Path.Combine(www, "huge.bin"), new byte[5000]);
            var refused = await GuideProject.InAsync(_project.Project, "dotnet", "build", "-nologo", "-p:GuestStaticMaxBytes=4000");
            Assert.NotEqual(0, refused.Exit);
            Assert.Contains("error SUMSTATIC", refused.Stdout, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(www, "huge.bin"), refused.Stdout, StringComparison.Ordinal);
            Assert.Contains("<GuestStaticMaxBytes>", refused.Stdout, StringComparison.Ordinal);

            // Within the limit, the packaged SDK packs the folder into the image's .static section.
            var built = await GuideProject.InAsync(_project.Project, "dotnet", "build", "-nologo");
            Assert.True(built.Exit == 0, built.Stdout + built.Stderr);
            byte[] image = await File.ReadAllBytesAsync(_project.Image);
            Assert.True(image.AsSpan().IndexOf("SUMSTAT1"u8) >= 0, "no static-content blob in " + _project.Image);
            Assert.True(image.AsSpan().IndexOf("static hello from outside the repository"u8) >= 0);
            var sections = await ServeDaemon.RunAsync("readelf", "-S", "-W", _project.Image);
            Assert.Contains(".static", sections.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(www, recursive: true);
        }
    }

    [Fact]
    public async Task The_guide_new_build_run_hosted_then_serve_answers_with_the_env_value_that_never_reaches_a_command_line()
    {
        // The project's own tests, against its hosted build.
        var tests = await GuideProject.InAsync(_project.Project, "dotnet", "test", "Tests", "-nologo");
        Assert.True(tests.Exit == 0, tests.Stdout + tests.Stderr);
        Assert.Contains("Passed!", tests.Stdout, StringComparison.Ordinal);

        _out.WriteLine($"new project: cold dotnet build {_project.ColdBuild.TotalSeconds:F1} s, incremental {_project.IncrementalBuild.TotalSeconds:F1} s, image {new FileInfo(_project.Image).Length} bytes");

        // run --hosted: the same source as a process; --env reaches it as a setting.
        int port = FreePort.Loopback();
        string hostedGreeting = "hosted-" + Guid.NewGuid().ToString("N")[..8];
        var psi = new ProcessStartInfo(GuideProject.Launcher) { WorkingDirectory = _project.Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "run", "greeter", "--hosted", "--env", "GREETING=" + hostedGreeting, $"port={port}" }) psi.ArgumentList.Add(a);
        using (Process hosted = Process.Start(psi)!)
        {
            try
            {
                string page = "";
                for (var sw = Stopwatch.StartNew(); sw.Elapsed < TimeSpan.FromSeconds(120) && !page.EndsWith("200", StringComparison.Ordinal); await Task.Delay(500))
                {
                    if (hosted.HasExited) Assert.Fail("summoner run --hosted exited: " + await hosted.StandardError.ReadToEndAsync());
                    page = (await CurlAsync($"http://127.0.0.1:{port}/")).Stdout.Trim();
                }
                Assert.EndsWith("200", page, StringComparison.Ordinal);
                Assert.Contains($"<h1>{hostedGreeting}</h1>", page, StringComparison.Ordinal);
            }
            finally
            {
                hosted.Kill(entireProcessTree: true);
            }
        }

        // Serve it: the snippet pasted into a summoner.toml, then dig + curl.
        string secret = "s3cret-" + Guid.NewGuid().ToString("N")[..12];
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: Snippet("greeter", secret));
        IPAddress? address = ServeDaemon.FirstAddress((await d.DigAsync("greeter.summoner.test", "+short")).Stdout);
        Assert.True(address is not null, d.Output);
        var curl = await CurlAsync($"http://{address}:80/");
        Assert.EndsWith("200", curl.Stdout.Trim(), StringComparison.Ordinal);
        Assert.Contains($"<h1>{secret}</h1>", curl.Stdout, StringComparison.Ordinal);

        // The value went through fw_cfg by file: QEMU's command line names the file, never the value.
        int qemu = Assert.Single(d.QemuPids());
        string cmdline = File.ReadAllText($"/proc/{qemu}/cmdline").Replace('\0', ' ');
        Assert.Contains("name=opt/summoner/env,file=", cmdline, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, cmdline, StringComparison.Ordinal);
        foreach (string dir in Directory.GetDirectories("/proc").Where(p => int.TryParse(Path.GetFileName(p), out _)))
        {
            try { Assert.DoesNotContain(secret, File.ReadAllText(Path.Combine(dir, "cmdline")), StringComparison.Ordinal); }
            catch (IOException) { }
        }
        // Nor in the daemon's log, nor left on disk.
        Assert.DoesNotContain(secret, d.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(d.StateDirectory, "*.env", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Two_ports_on_one_service_are_both_served()
    {
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: Snippet("twoports", "two ports", "[80, 8081]"));
        IPAddress? address = ServeDaemon.FirstAddress((await d.DigAsync("twoports.summoner.test", "+short")).Stdout);
        Assert.True(address is not null, d.Output);
        foreach (int port in new[] { 80, 8081 })
        {
            var curl = await CurlAsync($"http://{address}:{port}/");
            Assert.EndsWith("200", curl.Stdout.Trim(), StringComparison.Ordinal);
            Assert.Contains("<h1>two ports</h1>", curl.Stdout, StringComparison.Ordinal);
        }
        var logs = await d.SummonerAsync("logs", "twoports");
        Assert.Contains("summoner: ready tcp/80", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("summoner: ready tcp/8081", logs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_setting_stops_the_guest_with_a_line_naming_it_and_the_daemon_logs_the_exit_status()
    {
        string snippet = Snippet("badlimit", "never shown") + "\nHEAD_LIMIT = \"lots\"\n";
        await using ServeDaemon d = await ServeDaemon.StartAsync(extraServiceToml: snippet);
        var dig = await d.DigAsync("badlimit.summoner.test");
        Assert.Contains("status: SERVFAIL", dig.Stdout, StringComparison.Ordinal);
        await d.WaitForOutputAsync("summoner: exit status 10 (bad settings)", TimeSpan.FromSeconds(30));
        Assert.Contains("summoner: settings error: setting HEAD_LIMIT is not an integer", d.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("lots", d.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_setting_and_an_oversized_settings_file_stop_the_guest_with_a_clear_line_and_exit_status()
    {
        // The user made GREETING required; without --env the guest says which setting is missing.
        string copy = Path.Combine(_project.Folder, "required");
        CopyProject(_project.Project, copy);
        string service = Path.Combine(copy, "Service", "Service.cs");
        File.WriteAllText(service, File.ReadAllText(service).Replace("settings.GetString(\"GREETING\", \"Hello\")", "settings.GetString(\"GREETING\")", StringComparison.Ordinal));
        // Port 80 of the guest on a random host port, not run's default 8080 that others may hold.
        string offset = "SUMMONER_RUN_PORT_OFFSET=" + (FreePort.Loopback() - 80).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var missing = await GuideProject.InAsync(_project.Folder, "env", offset, GuideProject.Launcher, "run", "required");
        _out.WriteLine(missing.Stdout);
        // isa-debug-exit: QEMU exits with (status << 1) | 1, so 10 becomes 21.
        Assert.Equal(21, missing.Exit);
        Assert.Contains("summoner: settings error: setting GREETING is missing: add GREETING", missing.Stdout, StringComparison.Ordinal);
        Assert.Contains("summoner: exit status 10 (bad settings)", missing.Stdout, StringComparison.Ordinal);

        var oversized = await GuideProject.InAsync(_project.Folder, "env", offset, GuideProject.Launcher, "run", "greeter", "--env", "GREETING=" + new string('x', 17 * 1024));
        Assert.Equal(21, oversized.Exit);
        Assert.Contains("summoner: settings error: the settings file is larger than 16384 bytes", oversized.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signal_to_summoner_run_ends_its_guest_frees_the_port_and_removes_the_settings_file()
    {
        // kill, timeout or an IDE's stop button signal the launcher, not QEMU: the guest must not outlive it.
        int hostPort = FreePort.Loopback();
        string greeting = "run-" + Guid.NewGuid().ToString("N")[..8];
        var psi = new ProcessStartInfo("env") { WorkingDirectory = _project.Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "SUMMONER_RUN_PORT_OFFSET=" + (hostPort - 80).ToString(System.Globalization.CultureInfo.InvariantCulture), GuideProject.Launcher, "run", "greeter", "--env", "GREETING=" + greeting })
            psi.ArgumentList.Add(a);
        using Process run = Process.Start(psi)!;
        Task<string> stdout = run.StandardOutput.ReadToEndAsync(), stderr = run.StandardError.ReadToEndAsync();
        int qemu = 0;
        try
        {
            string page = "";
            for (var sw = Stopwatch.StartNew(); sw.Elapsed < TimeSpan.FromSeconds(120) && !page.EndsWith("200", StringComparison.Ordinal); await Task.Delay(250))
            {
                if (run.HasExited) Assert.Fail($"summoner run exited {run.ExitCode}: {await stdout}{await stderr}");
                page = (await CurlAsync($"http://127.0.0.1:{hostPort}/")).Stdout.Trim();
            }
            Assert.Contains($"<h1>{greeting}</h1>", page, StringComparison.Ordinal);
            string forward = $"hostfwd=tcp:127.0.0.1:{hostPort}-:80";
            qemu = Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
                .Single(pid => pid > 0 && Cmdline(pid).Contains(forward, StringComparison.Ordinal));
            string settings = Cmdline(qemu).Split(' ').Single(a => a.StartsWith("name=opt/summoner/env,file=", StringComparison.Ordinal))["name=opt/summoner/env,file=".Length..];

            // `env` exec'd the launcher, so this is the script's own process.
            Process.Start("kill", ["-TERM", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await run.WaitForExitAsync(cts.Token);
            Assert.Equal(143, run.ExitCode);
            Assert.False(Directory.Exists($"/proc/{qemu}") && Cmdline(qemu).Contains(forward, StringComparison.Ordinal), "QEMU outlived summoner run: " + Cmdline(qemu));
            using (var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
                Assert.Throws<System.Net.Sockets.SocketException>(() => client.Connect(IPAddress.Loopback, hostPort));
            Assert.False(Directory.Exists(Path.GetDirectoryName(settings)), "the settings file's folder is still there: " + settings);
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
            if (qemu > 0 && Directory.Exists($"/proc/{qemu}")) { try { Process.GetProcessById(qemu).Kill(); } catch (ArgumentException) { } }
        }
    }

    private static string Cmdline(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    private static void CopyProject(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.Contains("obj/", StringComparison.Ordinal)) continue;
            string target = Path.Combine(to, relative.Replace("greeter", "required", StringComparison.Ordinal));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, File.ReadAllText(file).Replace("greeter", "required", StringComparison.Ordinal));
        }
    }
}
