using System.Diagnostics;

namespace Summoner.Tests.Metrics;

/// <summary>Runs Prometheus' own `promtool check metrics` (Debian package prometheus) on exposition text.</summary>
internal static class Promtool
{
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition)
    {
        var psi = new ProcessStartInfo("promtool")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("check");
        psi.ArgumentList.Add("metrics");
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not installed: run apt-get install prometheus (./summoner test installs it)", e);
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.StandardInput.WriteAsync(exposition.AsMemory(), timeout.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
    }

    /// <summary>Fails with promtool's own complaints unless it accepts the text without a word.</summary>
    public static async Task AssertAcceptsAsync(string exposition)
    {
        var (exitCode, output) = await CheckMetricsAsync(exposition);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}: {output}\n--- exposition ---\n{exposition}");
    }
}
