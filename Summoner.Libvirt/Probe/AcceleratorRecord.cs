using System.Globalization;

namespace Summoner.Libvirt;

/// <summary>
/// The accelerator decision written down, so that it is made once per host rather than once per
/// start. It is reused only while the host looks the same: kernel release, loaded KVM modules,
/// /dev/kvm, the QEMU binary and libvirt's version. Anything else changed means probe again.
/// </summary>
internal static class AcceleratorRecord
{
    private const string FileName = "accelerator-decision.txt";

    public static string Fingerprint(string uri)
    {
        string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "-";
        var qemu = new FileInfo("/usr/bin/qemu-system-x86_64");
        string[] modules = ["kvm_intel", "kvm_amd", "kvm_pvm", "kvm"];
        return string.Join(" ", [
            "uri=" + uri,
            "kernel=" + Read("/proc/sys/kernel/osrelease"),
            "modules=" + string.Join(',', modules.Where(m => Directory.Exists("/sys/module/" + m))),
            "devkvm=" + File.Exists("/dev/kvm"),
            "qemu=" + (qemu.Exists ? qemu.Length.ToString(CultureInfo.InvariantCulture) + "@" + qemu.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture) : "-"),
            "libvirt=" + LibvirtRuntime.Version,
        ]);
    }

    public static AcceleratorDecision? TryRead(string workDirectory, string fingerprint)
    {
        string path = Path.Combine(workDirectory, FileName);
        try
        {
            string[] lines = File.ReadAllLines(path);
            if (lines.Length < 4 || lines[0] != fingerprint || !Enum.TryParse(lines[1], out Accelerator accelerator)) return null;
            return new AcceleratorDecision(accelerator, $"{lines[2]} (probed {lines[3]}, recorded in {path})", TimeSpan.Zero);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Write(string workDirectory, string fingerprint, AcceleratorDecision decision)
    {
        string path = Path.Combine(workDirectory, FileName);
        string reason = decision.Reason.Replace('\n', ' ').Replace('\r', ' ');
        string temp = path + ".tmp";
        File.WriteAllLines(temp, [fingerprint, decision.Accelerator.ToString(), reason, DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture)]);
        File.Move(temp, path, overwrite: true);
    }
}
