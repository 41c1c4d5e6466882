using System.Diagnostics;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// A network namespace of the test's own with a bridge in it; every packet the test sends stays
/// inside. Dispose deletes the namespace, and with it the bridge and any tap left in it.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public const string Bridge = "br-sum";

    /// <summary>Creates the namespace with <see cref="Bridge"/> up at <paramref name="bridgeCidr"/>.</summary>
    public static NetworkNamespace Create(string bridgeCidr)
    {
        var ns = new NetworkNamespace("sumlv-" + Guid.NewGuid().ToString("N")[..8]);
        Run("ip", "netns", "add", ns.Name);
        try
        {
            Run("ip", "-n", ns.Name, "link", "set", "lo", "up");
            Run("ip", "-n", ns.Name, "link", "add", Bridge, "type", "bridge");
            Run("ip", "-n", ns.Name, "addr", "add", bridgeCidr, "dev", Bridge);
            Run("ip", "-n", ns.Name, "link", "set", Bridge, "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Runs a command inside the namespace and returns its standard output.</summary>
    public string Exec(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    public string Ip(params string[] args) => Run(["ip", "-n", Name, .. args]);

    public void Dispose()
    {
        try { Run("ip", "netns", "del", Name); } catch (InvalidOperationException) { }
    }

    public static string Run(params string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in command.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed ({p.ExitCode}): {stderr}");
        return stdout.Result;
    }
}
