using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// Frames sent by Linux 6.18 (this machine's kernel) on a tap device inside a scratch network
/// namespace, read from the tap's file descriptor on 2026-11-22 (the tap has no offload flags, so
/// the kernel filled every checksum): an ARP who-has, the SYN of a connect(), an ICMP echo
/// reply and a UDP datagram. 10.99.0.1 is Linux, 10.99.0.2 the pretend peer.
/// </summary>
[Trait("Category", "unit")]
public class WireCaptureTests
{
    internal const string LinuxArpRequest = "ffffffffffff020000000001080600010800060400010200000000010a6300010000000000000a630002";
    internal const string LinuxTcpSyn = "02000000000202000000000108004500003c51f040004006d4030a6300010a630002995e1f905691e9d200000000a002faf0d5f10000020405b40402080a8258e6a6000000000103030a";
    internal const string LinuxEchoReply = "02000000000202000000000108004500003af2da0000400173200a6300010a6300020000dab54242000173756d6d6f6e65722d70696e672d30313233343536373839616263646566";
    internal const string LinuxUdp = "02000000000202000000000108004500002dc60f400040115fe80a6300010a630002e18c14e900196da868656c6c6f2c206b65726e656c2e6e6574";
    private static readonly Ipv4Address Linux = new(10, 99, 0, 1);
    private static readonly Ipv4Address Peer = new(10, 99, 0, 2);

    internal static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void Ethernet_and_ARP_who_has_from_Linux_parse_field_by_field()
    {
        byte[] frame = Bytes(LinuxArpRequest);
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.True(eth.Destination.IsBroadcast);
        Assert.Equal("02:00:00:00:00:01", eth.Source.ToString());
        Assert.Equal(EtherType.Arp, eth.EtherType);
        Assert.True(ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpPacket.OperationRequest, arp.Operation);
        Assert.Equal(Linux, arp.SenderProtocolAddress);
        Assert.Equal(Peer, arp.TargetProtocolAddress);
        Assert.Equal(MacAddress.Zero, arp.TargetHardwareAddress);
    }

    [Fact]
    public void Linux_TCP_SYN_has_valid_checksums_and_its_MSS_option_is_found_among_others()
    {
        byte[] frame = Bytes(LinuxTcpSyn);
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        Assert.Equal(IpProtocol.Tcp, ip.Protocol);
        Assert.Equal(64, ip.TimeToLive);
        Assert.True(ip.DontFragment);
        Assert.False(ip.IsFragment);
        Assert.Equal(Linux, ip.Source);
        Assert.Equal(Peer, ip.Destination);
        Assert.True(TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out TcpSegment tcp));
        Assert.Equal(8080, tcp.DestinationPort);
        Assert.Equal(TcpFlags.Syn, tcp.Flags);
        Assert.Equal(0x5691e9d2u, tcp.SequenceNumber);
        Assert.Equal(40, tcp.HeaderLength);
        Assert.Equal(64240, tcp.WindowSize);
        Assert.Equal(1460, tcp.MaximumSegmentSize); // MSS, SACK-permitted, timestamps, NOP, window scale
        Assert.Equal(1, tcp.SequenceLength);
    }

    [Fact]
    public void Linux_ICMP_echo_reply_and_UDP_datagram_verify_and_expose_their_payloads()
    {
        byte[] echo = Bytes(LinuxEchoReply);
        Assert.True(EthernetFrame.TryParse(echo, out EthernetFrame eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        Assert.True(IcmpPacket.TryParse(ip.Payload, out IcmpPacket icmp));
        Assert.Equal(IcmpPacket.TypeEchoReply, icmp.Type);
        Assert.Equal(0x4242, icmp.EchoIdentifier);
        Assert.Equal("summoner-ping-0123456789abcdef", System.Text.Encoding.ASCII.GetString(icmp.Payload));

        byte[] udpFrame = Bytes(LinuxUdp);
        Assert.True(EthernetFrame.TryParse(udpFrame, out eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out ip));
        Assert.True(UdpDatagram.TryParse(ip.Payload, ip.Source, ip.Destination, out UdpDatagram udp));
        Assert.Equal(5353, udp.DestinationPort);
        Assert.Equal("hello, kernel.net", System.Text.Encoding.ASCII.GetString(udp.Payload));
    }

    [Theory]
    [InlineData(14 + 10)] // IPv4 header checksum
    [InlineData(14 + 20 + 16)] // TCP checksum
    [InlineData(14 + 20 + 30)] // TCP option bytes
    public void A_flipped_bit_anywhere_in_the_SYN_is_rejected(int offset)
    {
        byte[] frame = Bytes(LinuxTcpSyn);
        frame[offset] ^= 0x10;
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame eth));
        bool ok = Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip) && TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out _);
        Assert.False(ok);
    }

    [Fact]
    public void Truncated_and_padded_packets_are_handled_by_length_checks()
    {
        byte[] frame = Bytes(LinuxUdp);
        Assert.False(Ipv4Packet.TryParse(frame.AsSpan(14, 30), out _)); // shorter than total length
        byte[] padded = new byte[frame.Length + 20];
        frame.CopyTo(padded, 0);
        Assert.True(Ipv4Packet.TryParse(padded.AsSpan(14), out Ipv4Packet ip)); // Ethernet padding is trimmed
        Assert.Equal(45, ip.Bytes.Length);
        Assert.False(EthernetFrame.TryParse(new byte[13], out _));
        Assert.False(TcpSegment.TryParse(new byte[19], Linux, Peer, out _));
    }

    [Fact]
    public void Building_a_segment_produces_a_checksum_that_verifies_and_matches_the_RFC_1071_example()
    {
        // RFC 1071 section 3 example words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
        Assert.Equal((ushort)0x220d, InternetChecksum.Compute(Convert.FromHexString("0001f203f4f5f6f7")));
        var buffer = new byte[24 + 5];
        var seg = new TcpSegment(buffer);
        seg.WriteHeader(80, 40000, 1000, 2000, TcpFlags.Syn | TcpFlags.Ack, 65535, 1460);
        "hello"u8.CopyTo(seg.Payload);
        seg.FillChecksum(Peer, Linux);
        Assert.True(TcpSegment.TryParse(buffer, Peer, Linux, out TcpSegment back));
        Assert.Equal(1460, back.MaximumSegmentSize);
        Assert.Equal(5, back.Payload.Length);
    }

    [Fact]
    public void The_eight_bytes_at_a_time_checksum_equals_the_word_by_word_sum_for_every_length_and_even_split()
    {
        // The RFC 1071 definition, word by word, big-endian: what Accumulate computed before it read eight bytes a step.
        static uint Reference(uint sum, ReadOnlySpan<byte> data)
        {
            ulong acc = sum;
            int i = 0;
            for (; i + 1 < data.Length; i += 2) acc += (uint)((data[i] << 8) | data[i + 1]);
            if (i < data.Length) acc += (uint)(data[i] << 8);
            while ((acc >> 32) != 0) acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
            return (uint)acc;
        }
        var random = new Random(1071);
        for (int length = 0; length <= 80; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            if (length % 3 == 0) Array.Fill(data, (byte)0xFF); // the carries of an all-ones run
            uint start = (uint)random.Next(0, int.MaxValue);
            Assert.Equal(InternetChecksum.Finish(Reference(start, data)), InternetChecksum.Finish(InternetChecksum.Accumulate(start, data)));
            for (int split = 0; split <= length; split += 2)
            {
                // A message summed in chunks (a pseudo-header, then the segment), each starting at an even offset.
                uint chunked = InternetChecksum.Accumulate(InternetChecksum.Accumulate(start, data.AsSpan(0, split)), data.AsSpan(split));
                Assert.Equal(InternetChecksum.Finish(Reference(start, data)), InternetChecksum.Finish(chunked));
            }
        }
    }

    [Fact]
    public void Ipv4_address_text_round_trips_and_rejects_garbage()
    {
        Assert.True(Ipv4Address.TryParse("10.0.2.15", out Ipv4Address a));
        Assert.Equal("10.0.2.15", a.ToString());
        Assert.True(a.SameSubnet(new Ipv4Address(10, 0, 2, 2), 24));
        Assert.False(a.SameSubnet(new Ipv4Address(10, 0, 3, 2), 24));
        foreach (string bad in new[] { "", "10.0.2", "10.0.2.256", "a.b.c.d", "1..2.3", "1.2.3.4.5" })
            Assert.False(Ipv4Address.TryParse(bad, out _), bad);
    }
}
