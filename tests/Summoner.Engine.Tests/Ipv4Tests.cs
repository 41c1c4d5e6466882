using System.Net;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

[Trait("Category", "unit")]
public sealed class Ipv4Tests
{
    [Theory]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("10.0.0.1", 0x0A000001u)]
    [InlineData("127.77.0.1", 0x7F4D0001u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    public void An_address_and_its_number_convert_both_ways(string address, uint value)
    {
        Assert.Equal(value, Ipv4.ToUInt32(IPAddress.Parse(address)));
        Assert.Equal(IPAddress.Parse(address), Ipv4.FromUInt32(value));
    }

    [Fact]
    public void Offsets_carry_across_octets_and_ipv6_is_refused()
    {
        Assert.Equal(IPAddress.Parse("10.0.1.0"), Ipv4.Offset(IPAddress.Parse("10.0.0.255"), 1));
        Assert.Equal(IPAddress.Parse("127.78.0.0"), Ipv4.Offset(IPAddress.Parse("127.77.0.0"), 65536));
        Assert.Throws<ArgumentException>(() => Ipv4.ToUInt32(IPAddress.IPv6Loopback));
    }
}
