using System.Diagnostics;

namespace Summoner.Dns.Tests.Support;

/// <summary>Runs a real client (dig, kdig, python3) with a timeout and returns what it printed.</summary>
public static class ExternalTool
{
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, string? stdin = null, int timeoutSeconds = 60)
    {
        string path = Locate(program);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish in {timeoutSeconds} s");
        }
        string output = await stdout;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}: {output}{await stderr}");
        return output;
    }

    /// <summary>Debian's binaries first: python3 must be the one that has python3-dnspython.</summary>
    private static string Locate(string program)
    {
        foreach (string dir in new[] { "/usr/bin", "/usr/sbin", "/bin" })
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{program} is not installed: run ./summoner test as root (it installs dnsutils, knot-dnsutils, python3-dnspython) or apt-get install them");
    }
}
