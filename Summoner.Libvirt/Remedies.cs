namespace Summoner.Libvirt;

/// <summary>Maps libvirt failures we have met on real hosts to the action that fixes them.</summary>
internal static class Remedies
{
    public const string InstallLibvirt =
        "libvirt is not installed: run apt-get install libvirt0 libvirt-daemon-driver-qemu qemu-system-x86";

    public const string QemuSystemUser =
        "libvirt's QEMU driver (9.0) looks up its compiled-in user 'libvirt-qemu' before reading qemu.conf, even when qemu.conf says root: " +
        "run groupadd -r libvirt-qemu && useradd -r -g libvirt-qemu -d /var/lib/libvirt -M -s /usr/sbin/nologin libvirt-qemu " +
        "(EmbeddedDriverOptions.CreateQemuSystemUser does this for you when running as root)";

    public static string? For(int code, string message)
    {
        if (message.Contains("no connection driver available", StringComparison.OrdinalIgnoreCase)
            || message.Contains("libvirt_driver_qemu", StringComparison.OrdinalIgnoreCase))
            return "libvirt's QEMU driver module is missing: run apt-get install libvirt-daemon-driver-qemu";
        if (message.Contains("Failed to parse user 'libvirt-qemu'", StringComparison.Ordinal))
            return QemuSystemUser;
        if (message.Contains("driver.pid", StringComparison.Ordinal))
            return "another process already uses this embedded libvirt root (only one may): stop it, or give this process its own state directory";
        if (message.Contains("qboot", StringComparison.OrdinalIgnoreCase))
            return "qboot's ROM is missing: run apt-get install qemu-system-data, or use machine microvm";
        if (message.Contains("Failed to connect socket", StringComparison.Ordinal))
            return "no libvirt daemon is listening there: start libvirtd, or use the embedded driver (qemu:///embed?root=DIR)";
        if (message.Contains("Could not access KVM kernel module", StringComparison.Ordinal)
            || message.Contains("failed to initialize kvm", StringComparison.OrdinalIgnoreCase))
            return "KVM is not usable here: use accelerator tcg (AcceleratorProbe decides this per host)";
        if (message.Contains("Cannot open embedded driver", StringComparison.Ordinal))
            return "libvirt runs one embedded root per process: reuse the connection to the root already open, or use another process";
        if (message.Contains("Missing URI parameter 'root'", StringComparison.Ordinal))
            return "this process runs libvirt's QEMU driver in-process (embedded), which claims qemu:/// URIs: reach a daemon with qemu+unix:///system (add ?socket=PATH for a non-default socket)";
        // libvirt words this several ways depending on when QEMU died relative to the monitor connect.
        if (message.Contains("unexpectedly closed the monitor", StringComparison.OrdinalIgnoreCase)
            || message.Contains("exited while connecting to monitor", StringComparison.OrdinalIgnoreCase)
            || message.Contains("monitor socket did not show up", StringComparison.OrdinalIgnoreCase))
            return "QEMU exited while libvirt was still starting it: either QEMU rejected its arguments (see the text above and QEMU's log), " +
                "or the guest powered off or reset within milliseconds; create such a guest paused, then resume it, to capture its serial output";
        if (message.Contains("/proc/net/dev: Interface not found", StringComparison.Ordinal))
            return "that tap is not in the network namespace of the process running the QEMU driver (it was moved, or the guest is gone): read its counters where it lives with TapStatistics.ReadInNamespace (or ip -n NAMESPACE -s link show TAP)";
        if (code == LibvirtException.ErrNoSupport && message.Contains("virStoragePool", StringComparison.Ordinal))
            return "this connection has no storage driver (libvirt's embedded driver has none: storage:///embed is rejected): images are already local there, pass their path; " +
                "ImageStore needs a libvirtd, local (qemu+unix://) or remote (Debian: apt-get install libvirt-daemon, which holds the storage driver)";
        if (message.Contains("character device", StringComparison.Ordinal) && message.Contains("not using a PTY", StringComparison.Ordinal))
            return "virDomainOpenConsole reads only a serial console of type pty: create the domain with SerialConsole.ToPty";
        if (message.Contains("Couldn't create lock file for device", StringComparison.Ordinal))
            return "libvirt locks a console's pty with a file under /var/lock (/run/lock on Debian): create that directory (mode 1777) on the host running QEMU";
        // libvirt 9.0 runs /usr/sbin/iptables (and ebtables) by its built-in path when a domain's NIC has a filterref.
        if (message.Contains("Failed to apply firewall rules", StringComparison.Ordinal) && message.Contains("cannot execute binary", StringComparison.Ordinal))
            return "libvirt's nwfilter driver on that host cannot run iptables or ebtables to apply the guest's network filter: install them there (Debian: apt-get install iptables ebtables)";
        if (code == LibvirtException.ErrNoSupport && message.Contains("virNWFilter", StringComparison.Ordinal))
            return "that daemon has no network filter driver (libvirt's embedded driver has none): use a monolithic libvirtd, or with split daemons install libvirt-daemon-driver-nwfilter and run virtnwfilterd";
        if (code == LibvirtException.ErrNoDomain)
            return "the domain no longer exists (it was destroyed or stopped by itself)";
        return null;
    }
}
