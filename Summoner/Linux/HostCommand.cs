using System.Diagnostics;

namespace Summoner.Linux;

/// <summary>Runs a host tool (ip, sysctl) with arguments as a list, never through a shell.</summary>
public static class HostCommand
{
    public static async Task<string> RunAsync(string tool, IEnumerable<string> args, CancellationToken cancellationToken, bool allowFailure = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot run {tool}: apt-get install iproute2");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string err = (await stderr.ConfigureAwait(false)).Trim();
        if (p.ExitCode != 0 && !allowFailure)
            throw new InvalidOperationException($"`{tool} {string.Join(' ', psi.ArgumentList)}` failed ({p.ExitCode}): {err}");
        return await stdout.ConfigureAwait(false);
    }
}
