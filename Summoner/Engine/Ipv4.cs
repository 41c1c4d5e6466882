using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Summoner.Engine;

/// <summary>IPv4 addresses as numbers, for the arithmetic of ranges, subnets and address plans.</summary>
public static class Ipv4
{
    /// <summary>The address as a big-endian number (10.0.0.1 is 0x0A000001).</summary>
    public static uint ToUInt32(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress FromUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <summary>The address <paramref name="by"/> after <paramref name="address"/> (wrapping at 255.255.255.255).</summary>
    public static IPAddress Offset(IPAddress address, uint by) => FromUInt32(unchecked(ToUInt32(address) + by));
}
