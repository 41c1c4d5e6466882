using System.Diagnostics;
using Summoner.Testing;

namespace Summoner.Tests.Deploy;

/// <summary>deploy/summoner.service is a unit systemd accepts, and it runs what the README says.</summary>
[Trait("Category", "unit")]
public sealed class SystemdUnitTests
{
    private static string Unit => Path.Combine(RepoPaths.Root, "deploy", "summoner.service");

    [Fact]
    public async Task Systemd_analyze_verify_accepts_the_unit()
    {
        var psi = new ProcessStartInfo("systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("verify");
        psi.ArgumentList.Add(Unit);
        using var process = Process.Start(psi)!;
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 && errors.Trim().Length == 0, errors);
    }

    [Fact]
    public void The_unit_serves_with_json_logs_and_stops_with_sigterm()
    {
        string text = File.ReadAllText(Unit);
        Assert.Contains("summoner.dll serve --config /opt/summoner/summoner.toml --log-format json", text, StringComparison.Ordinal);
        Assert.Contains("KillSignal=SIGTERM", text, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivileges=yes", text, StringComparison.Ordinal);
    }
}
