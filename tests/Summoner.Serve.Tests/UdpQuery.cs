using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Summoner.Serve.Tests;

/// <summary>A bare UDP A query, for load that dig processes would drown a 2-core machine in.</summary>
public static class UdpQuery
{
    public static async Task<(int Rcode, IPAddress? Address)> AAsync(int port, string name, ushort id, TimeSpan timeout)
    {
        var q = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            q.Add((byte)label.Length);
            q.AddRange(Encoding.ASCII.GetBytes(label));
        }
        q.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(IPAddress.Loopback, port);
        await udp.SendAsync(q.ToArray());
        using var cts = new CancellationTokenSource(timeout);
        UdpReceiveResult r = await udp.ReceiveAsync(cts.Token);
        byte[] m = r.Buffer;
        if (m.Length < 12 || (m[0] << 8 | m[1]) != id) throw new InvalidDataException("response does not match the query");
        int rcode = m[3] & 0x0f;
        int answers = m[6] << 8 | m[7];
        // One A answer and no additional records: its RDATA is the last four bytes.
        IPAddress? address = rcode == 0 && answers == 1 ? new IPAddress(m.AsSpan(m.Length - 4, 4)) : null;
        return (rcode, address);
    }
}
