using System.Diagnostics;

namespace Summoner.Testing;

/// <summary>
/// A network namespace of the test's own with a bridge in it, so every packet the test sends
/// stays inside. Dispose deletes the namespace, and with it the bridge and any tap left in it.
/// Needs root (ip netns add).
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name, string bridge)
    {
        Name = name;
        Bridge = bridge;
    }

    public string Name { get; }

    /// <summary>The bridge inside the namespace, up, carrying the address given to <see cref="Create"/>.</summary>
    public string Bridge { get; }

    /// <summary>Creates a uniquely named namespace with <paramref name="bridge"/> up at <paramref name="bridgeCidr"/>.</summary>
    public static NetworkNamespace Create(string bridgeCidr, string bridge = "br-sum")
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            throw new InvalidOperationException("this test needs root to create a network namespace (ip netns add): run ./summoner test as root");
        var ns = new NetworkNamespace("sumtest-" + Guid.NewGuid().ToString("N")[..8], bridge);
        Command.Run("ip", "netns", "add", ns.Name);
        try
        {
            ns.Ip("link", "set", "lo", "up");
            ns.Ip("link", "add", bridge, "type", "bridge");
            ns.Ip("addr", "add", bridgeCidr, "dev", bridge);
            ns.Ip("link", "set", bridge, "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Runs a command inside the namespace and returns its standard output; fails if it fails.</summary>
    public string Exec(params string[] command) => Command.Run(["ip", "netns", "exec", Name, .. command]);

    /// <summary>As <see cref="Exec(string[])"/>, for commands that may take longer than the default 3 minutes.</summary>
    public string Exec(TimeSpan timeout, params string[] command) => Command.Run(["ip", "netns", "exec", Name, .. command], timeout);

    /// <summary>Runs a command inside the namespace and returns its exit code and output (stdout, then stderr) whatever happens.</summary>
    public (int ExitCode, string Output) TryExec(string[] command, TimeSpan? timeout = null) =>
        Command.TryRun(["ip", "netns", "exec", Name, .. command], timeout);

    /// <summary>`ip -n NAME ARGS`: returns its standard output; fails if it fails.</summary>
    public string Ip(params string[] args) => Command.Run(["ip", "-n", Name, .. args]);

    /// <summary>Waits for <paramref name="tap"/> to appear in here (QEMU creates it), then plugs it into the bridge.</summary>
    public void AttachTap(string tap, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Command.TryRun(["ip", "-n", Name, "link", "show", tap]).ExitCode != 0)
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"tap {tap} did not appear in namespace {Name} within {timeout}");
            Thread.Sleep(20);
        }
        Ip("link", "set", tap, "master", Bridge);
        Ip("link", "set", tap, "up");
    }

    public void Dispose() => Command.TryRun(["ip", "netns", "del", Name]);
}

/// <summary>Runs a command line tool to completion (killed past its timeout), capturing its output.</summary>
public static class Command
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Returns standard output; throws with the command, exit code and standard error if it fails.</summary>
    public static string Run(params string[] command) => Run(command, null);

    public static string Run(string[] command, TimeSpan? timeout)
    {
        (int exit, string stdout, string stderr) = Execute(command, timeout);
        if (exit != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed ({exit}): {stderr}{stdout}");
        return stdout;
    }

    /// <summary>Returns the exit code and the output (standard output, then standard error).</summary>
    public static (int ExitCode, string Output) TryRun(string[] command, TimeSpan? timeout = null)
    {
        (int exit, string stdout, string stderr) = Execute(command, timeout);
        return (exit, stdout + stderr);
    }

    private static (int Exit, string Stdout, string Stderr) Execute(string[] command, TimeSpan? timeout)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in command.Skip(1)) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + command[0]);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? DefaultTimeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {timeout ?? DefaultTimeout}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
