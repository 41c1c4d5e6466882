using System.Globalization;
using System.Net;

namespace Summoner.Serve;

/// <summary>
/// Traffic of a guest on QEMU user networking, seen from the host: libvirt has no interface
/// statistics for a NIC it does not manage (the slirp NIC comes from qemu:commandline), so count
/// the host's TCP connections on the service address instead (/proc/net/tcp; QEMU's forwarder owns
/// them). An open connection is activity; so is any change in the set of connections.
/// </summary>
public static class LoopbackActivity
{
    /// <summary>Returns (open connections, a signature that changes when connections come or go).</summary>
    public static (int Open, long Signature) Sample(IPAddress address, IReadOnlyList<int> ports, string procNetTcp = "/proc/net/tcp")
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(ports);
        byte[] b = address.GetAddressBytes();
        // /proc/net/tcp prints the IPv4 address as the little-endian hex of the 32-bit value.
        string hexAddress = string.Create(8, b, static (span, bytes) =>
        {
            for (int i = 0; i < 4; i++) bytes[3 - i].TryFormat(span[(i * 2)..], out _, "X2", CultureInfo.InvariantCulture);
        });
        int open = 0;
        long signature = 17;
        foreach (string line in File.ReadLines(procNetTcp).Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue ... inode
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10) continue;
            string[] local = f[1].Split(':');
            if (local.Length != 2 || !string.Equals(local[0], hexAddress, StringComparison.OrdinalIgnoreCase)) continue;
            int port = int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (!ports.Contains(port)) continue;
            if (f[3] == "0A") continue; // LISTEN: QEMU's forwarder itself
            if (f[3] == "01") open++;    // ESTABLISHED
            signature = signature * 31 + f[2].GetHashCode(StringComparison.Ordinal) + f[9].GetHashCode(StringComparison.Ordinal);
        }
        return (open, signature);
    }
}
