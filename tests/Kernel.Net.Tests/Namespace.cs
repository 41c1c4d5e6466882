using System.Diagnostics;

namespace Kernel.Net.Tests;

/// <summary>
/// A network namespace this test creates and removes (also on failure): a bridge with the host
/// side's address, into which the guest's tap is plugged. Commands run inside it with ip netns exec,
/// so nothing the guest sends can leave the namespace.
/// </summary>
internal sealed class Namespace : IDisposable
{
    public Namespace(string bridgeAddress)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            throw new InvalidOperationException("the tap/bridge tests need root (ip netns add): run ./summoner test as root");
        Name = "knet" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "x" + Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Run("ip", "netns", "add", Name);
        try
        {
            Exec("ip", "link", "set", "lo", "up");
            Exec("ip", "link", "add", "br0", "type", "bridge");
            Exec("ip", "addr", "add", bridgeAddress, "dev", "br0");
            Exec("ip", "link", "set", "br0", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    /// <summary>Waits for QEMU to create <paramref name="tap"/> in here, then plugs it into the bridge.</summary>
    public void AttachTap(string tap, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (Exec(["ip", "link", "show", tap], check: false).ExitCode != 0)
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"tap {tap} did not appear in {Name}");
            Thread.Sleep(20);
        }
        Exec("ip", "link", "set", tap, "master", "br0");
        Exec("ip", "link", "set", tap, "up");
    }

    public (int ExitCode, string Output) Exec(params string[] command) => Exec(command, check: true);

    public (int ExitCode, string Output) Exec(string[] command, bool check, TimeSpan? timeout = null) =>
        Run(["ip", "netns", "exec", Name, .. command], check, timeout);

    private static (int ExitCode, string Output) Run(params string[] command) => Run(command, check: true);

    /// <summary>Runs a command on the host (outside any namespace).</summary>
    internal static (int ExitCode, string Output) Run(string[] command, bool check, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in command.Skip(1)) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(string.Join(' ', command) + " timed out");
        }
        string output = stdout.Result + stderr.Result;
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed ({p.ExitCode}): {output}");
        return (p.ExitCode, output);
    }

    public void Dispose() => Run(["ip", "netns", "del", Name], check: false);
}
