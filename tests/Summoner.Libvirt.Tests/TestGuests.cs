using Summoner.Testing;

namespace Summoner.Libvirt.Tests;

/// <summary>Scratch directories, guest images and serial logs for libvirt tests.</summary>
internal static class TestGuests
{
    /// <summary>
    /// A domain name unique to this test run: tests find QEMU processes by "guest=NAME," and kill
    /// them, so two concurrent runs on one machine must never share a name.
    /// </summary>
    public static string Name(string stem) => $"{stem}-{Environment.ProcessId:x}";

    /// <summary>A fresh directory under /tmp, removed by the caller (short: unix socket paths are limited to 107 bytes).</summary>
    public static string NewScratchDirectory(string tag)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"sumlv-{tag}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A libvirtd of the test's own (see <see cref="IsolatedLibvirtd"/>) on a fresh scratch root, which disposing removes.</summary>
    public static Task<IsolatedLibvirtd> StartLibvirtdAsync(string? networkNamespace = null)
    {
        ChildReaper.Start(); // QEMU's orphans come to us (libvirtd is our child): reap them at once
        return IsolatedLibvirtd.StartAsync(NewScratchDirectory("lvd"), networkNamespace);
    }

    /// <summary>The halting probe guest (prints a line, then cli; hlt forever), written into <paramref name="dir"/>.</summary>
    public static string HaltingImage(string dir)
    {
        string path = Path.Combine(dir, "halt.elf");
        if (!File.Exists(path)) ProbeImage.WriteHalting(path);
        return path;
    }

    public static string HelloImage() => RepoPaths.Image("hello");

    public static DomainSpec Spec(string name, string kernel, string serialLog, params NicSpec[] nics) => new()
    {
        Name = name,
        KernelPath = kernel,
        Serial = new SerialConsole.ToFile(serialLog),
        Accelerator = Summoner.Testing.Accelerator.HardwareKvm ? Accelerator.Kvm : Accelerator.Tcg,
        MemoryMiB = 32,
        Nics = nics,
    };

    public static string ReadShared(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(s);
            return r.ReadToEnd();
        }
        catch (FileNotFoundException) { return ""; }
    }

    /// <summary>Waits until the serial log contains <paramref name="text"/>; fails with what the guest did print.</summary>
    public static async Task<string> WaitForSerialAsync(string path, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string content = ReadShared(path);
            if (content.Contains(text, StringComparison.Ordinal)) return content;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"serial log {path} did not show '{text}' within {timeout.TotalSeconds:F0} s; it holds: '{content}'");
            await Task.Delay(20);
        }
    }

    /// <summary>PIDs of live QEMU processes whose command line mentions <paramref name="marker"/>.</summary>
    public static List<int> QemuProcessesMentioning(string marker)
    {
        var result = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.StartsWith("/usr/bin/qemu-system", StringComparison.Ordinal) && cmdline.Contains(marker, StringComparison.Ordinal))
                    result.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return result;
    }
}
