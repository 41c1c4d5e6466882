using System.Globalization;
using System.Runtime.InteropServices;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>
/// Counters of a tap that libvirt cannot see: virDomainInterfaceStats reads /proc/net/dev in the
/// QEMU driver's own network namespace, so once a pre-made tap has been moved into another
/// namespace (the embedded driver's way onto a bridge there) it fails with "Interface not found".
/// This reads the tap's counters inside that namespace instead, from a short-lived thread that
/// joins it (setns affects only the calling thread), and reports them from the guest's point of
/// view like libvirt does (the tap's transmit is the guest's receive).
/// </summary>
public static class TapStatistics
{
    /// <summary>Reads <paramref name="device"/>'s counters in the namespace named <paramref name="networkNamespace"/> (/run/netns/NAME).</summary>
    public static InterfaceStatistics ReadInNamespace(string networkNamespace, string device)
    {
        ArgumentException.ThrowIfNullOrEmpty(networkNamespace);
        ArgumentException.ThrowIfNullOrEmpty(device);
        if (networkNamespace.Contains('/', StringComparison.Ordinal) || networkNamespace is "." or "..")
            throw new ArgumentException($"network namespace name '{networkNamespace}' must be a plain name under /run/netns", nameof(networkNamespace));
        string path = "/run/netns/" + networkNamespace;
        if (!File.Exists(path)) throw new LibvirtException($"network namespace {networkNamespace} does not exist ({path} is missing): create it with ip netns add");

        string? table = null;
        Exception? failure = null;
        // A dedicated thread that ends after the read: it never returns to a pool in the wrong namespace.
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(path);
                if (Libc.setns((int)ns.DangerousGetHandle(), Libc.CloneNewNet) != 0)
                    throw new LibvirtException($"cannot enter network namespace {networkNamespace} (errno {Marshal.GetLastPInvokeError()}): this needs root");
                // thread-self: /proc/self/net shows the namespace of the process's main thread.
                table = File.ReadAllText("/proc/thread-self/net/dev");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LibvirtException)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "netns counters" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw failure as LibvirtException ?? new LibvirtException($"cannot read counters in network namespace {networkNamespace}: {failure.Message}", failure);
        return Parse(table!, device) ?? throw new LibvirtException($"no interface {device} in network namespace {networkNamespace} (the guest is gone, or the tap was never moved there)");
    }

    /// <summary>Finds <paramref name="device"/> in a /proc/net/dev table; null if absent.</summary>
    internal static InterfaceStatistics? Parse(string table, string device)
    {
        foreach (string line in table.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || line[..colon].Trim() != device) continue;
            long[] f = [.. line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
            // Host side: rx bytes packets errs drop fifo frame compressed multicast | tx bytes packets errs drop ...
            return new InterfaceStatistics(
                RxBytes: f[8], RxPackets: f[9], RxErrors: f[10], RxDropped: f[11],
                TxBytes: f[0], TxPackets: f[1], TxErrors: f[2], TxDropped: f[3]);
        }
        return null;
    }
}
