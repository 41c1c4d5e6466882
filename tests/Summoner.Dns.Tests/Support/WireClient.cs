using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Summoner.Dns.Wire;

namespace Summoner.Dns.Tests.Support;

/// <summary>Builds queries with our own writer and sends them over UDP or TCP to a server on loopback.</summary>
public static class WireClient
{
    public static byte[] Query(string name, DnsRecordType type, ushort id = 0x1234, ushort? ednsPayload = null, byte ednsVersion = 0, ReadOnlySpan<byte> ednsOptions = default)
    {
        var buffer = new byte[600];
        Span<ushort> table = stackalloc ushort[16];
        var writer = new DnsMessageWriter(buffer, table);
        writer.WriteHeader(id, DnsHeader.RecursionDesiredFlag);
        if (!writer.TryWriteQuestion(DnsName.Parse(name).Wire, type, DnsClass.IN)) throw new InvalidOperationException("query does not fit");
        if (ednsPayload is { } payload && !writer.TryWriteOpt(payload, 0, ednsVersion, false, ednsOptions))
            throw new InvalidOperationException("OPT does not fit");
        return buffer[..writer.Finish()];
    }

    public static async Task<byte[]> SendUdpAsync(int port, byte[] query, TimeSpan? timeout = null)
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        client.Connect(IPAddress.Loopback, port);
        await client.SendAsync(query);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var result = await client.ReceiveAsync(cts.Token);
        return result.Buffer;
    }

    public static async Task<byte[]> ReceiveTcpAsync(NetworkStream stream, CancellationToken token)
    {
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, token);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(message, token);
        return message;
    }

    public static async Task SendTcpAsync(NetworkStream stream, byte[] query, CancellationToken token)
    {
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, token);
    }
}
