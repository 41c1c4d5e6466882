using Kernel.Net.Iface;
using Kernel.Net.Phy;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>iface/ behaviour, fed with the Linux captures and frames built by hand.</summary>
[Trait("Category", "unit")]
public class InterfaceTests
{
    private static readonly MacAddress LinuxMac = new(0x02_00_00_00_00_01);
    private static readonly MacAddress OurMac = new(0x02_00_00_00_00_02);

    /// <summary>Our interface (10.99.0.2) on one end of a link; the test plays Linux on the other.</summary>
    private static (EthernetInterface Iface, MemoryLink.LinkEnd Wire) Ours()
    {
        var link = new MemoryLink(OurMac, LinuxMac);
        var iface = new EthernetInterface(link.A, new InterfaceConfig { Address = new Ipv4Address(10, 99, 0, 2), PrefixLength = 24, Gateway = new Ipv4Address(10, 99, 0, 1) });
        iface.Poll(0);
        return (iface, link.B);
    }

    private static List<byte[]> Drain(MemoryLink.LinkEnd wire)
    {
        var frames = new List<byte[]>();
        var buffer = new byte[2000];
        int n;
        while ((n = wire.Receive(buffer)) > 0) frames.Add(buffer[..n]);
        return frames;
    }

    [Fact]
    public void Starts_with_a_gratuitous_ARP_announcing_its_own_address()
    {
        (EthernetInterface _, MemoryLink.LinkEnd wire) = Ours();
        byte[] frame = Assert.Single(Drain(wire));
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.True(eth.Destination.IsBroadcast);
        Assert.True(ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(arp.SenderProtocolAddress, arp.TargetProtocolAddress);
        Assert.Equal(new Ipv4Address(10, 99, 0, 2), arp.SenderProtocolAddress);
    }

    [Fact]
    public void Answers_Linux_ARP_who_has_and_learns_the_asker()
    {
        (EthernetInterface iface, MemoryLink.LinkEnd wire) = Ours();
        Drain(wire);
        wire.Transmit(WireCaptureTests.Bytes(WireCaptureTests.LinuxArpRequest));
        iface.Poll(1);
        byte[] reply = Assert.Single(Drain(wire));
        Assert.True(EthernetFrame.TryParse(reply, out EthernetFrame eth));
        Assert.Equal(LinuxMac, eth.Destination);
        Assert.True(ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpPacket.OperationReply, arp.Operation);
        Assert.Equal(OurMac, arp.SenderHardwareAddress);
        Assert.True(iface.Neighbors.Contains(new Ipv4Address(10, 99, 0, 1), 1));
        Assert.False(iface.Neighbors.Contains(new Ipv4Address(10, 99, 0, 1), 1 + 61_000_000_000L)); // entries expire
    }

    [Fact]
    public void SYN_to_a_closed_port_is_answered_with_RST_ACK()
    {
        (EthernetInterface iface, MemoryLink.LinkEnd wire) = Ours();
        wire.Transmit(WireCaptureTests.Bytes(WireCaptureTests.LinuxArpRequest));
        iface.Poll(1);
        Drain(wire);
        wire.Transmit(WireCaptureTests.Bytes(WireCaptureTests.LinuxTcpSyn)); // to port 8080, nobody listens
        iface.Poll(2);
        byte[] frame = Assert.Single(Drain(wire));
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        Assert.True(TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out TcpSegment rst));
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, rst.Flags);
        Assert.Equal(0x5691e9d2u + 1, rst.AcknowledgmentNumber);
        Assert.Equal(1, iface.Tcp.Counters.ResetsSent);
    }

    [Fact]
    public void SYN_to_a_listening_port_gets_SYN_ACK_with_our_MSS()
    {
        (EthernetInterface iface, MemoryLink.LinkEnd wire) = Ours();
        iface.Tcp.Listen(8080, 4);
        wire.Transmit(WireCaptureTests.Bytes(WireCaptureTests.LinuxArpRequest));
        iface.Poll(1);
        Drain(wire);
        wire.Transmit(WireCaptureTests.Bytes(WireCaptureTests.LinuxTcpSyn));
        iface.Poll(2);
        byte[] frame = Assert.Single(Drain(wire));
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        Assert.True(TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out TcpSegment synAck));
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(0x5691e9d2u + 1, synAck.AcknowledgmentNumber);
        Assert.Equal(1460, synAck.MaximumSegmentSize);
    }

    [Fact]
    public void Echo_request_gets_a_reply_with_the_same_identifier_and_data()
    {
        (EthernetInterface iface, MemoryLink.LinkEnd wire) = Ours();
        wire.Transmit(WireCaptureTests.Bytes(WireCaptureTests.LinuxArpRequest));
        iface.Poll(1);
        Drain(wire);
        // Linux's echo reply travelled Linux -> us; as type 8 (checksum refilled) it is a request to us.
        byte[] request = WireCaptureTests.Bytes(WireCaptureTests.LinuxEchoReply);
        Assert.True(EthernetFrame.TryParse(request, out EthernetFrame eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        var icmp = new IcmpPacket(ip.Payload);
        icmp.Type = IcmpPacket.TypeEchoRequest;
        icmp.FillChecksum();
        wire.Transmit(request);
        iface.Poll(2);
        byte[] reply = Assert.Single(Drain(wire));
        Assert.True(EthernetFrame.TryParse(reply, out eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out ip));
        Assert.True(IcmpPacket.TryParse(ip.Payload, out IcmpPacket answer));
        Assert.Equal(IcmpPacket.TypeEchoReply, answer.Type);
        Assert.Equal(0x4242, answer.EchoIdentifier);
        Assert.Equal("summoner-ping-0123456789abcdef", System.Text.Encoding.ASCII.GetString(answer.Payload));
    }

    [Fact]
    public void Fragments_are_dropped_and_counted()
    {
        (EthernetInterface iface, MemoryLink.LinkEnd wire) = Ours();
        byte[] udp = WireCaptureTests.Bytes(WireCaptureTests.LinuxUdp);
        udp[14 + 6] = 0x20; // more fragments
        udp[14 + 10] = udp[14 + 11] = 0;
        Assert.True(EthernetFrame.TryParse(udp, out EthernetFrame eth));
        new Ipv4Packet(eth.Payload).FillChecksum();
        wire.Transmit(udp);
        iface.Poll(1);
        Assert.Equal(1, iface.Counters.FragmentsDropped);
    }

    [Fact]
    public void Packets_off_the_subnet_go_to_the_gateway_after_ARP_resolves_it()
    {
        (EthernetInterface iface, MemoryLink.LinkEnd wire) = Ours();
        Drain(wire);
        UdpSocket socket = iface.Udp.Bind(5000);
        Assert.True(socket.SendTo(new Ipv4Address(192, 0, 2, 7), 9, "x"u8));
        byte[] ask = Assert.Single(Drain(wire)); // parked; who-has 10.99.0.1
        Assert.True(EthernetFrame.TryParse(ask, out EthernetFrame eth));
        Assert.True(ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(new Ipv4Address(10, 99, 0, 1), arp.TargetProtocolAddress);
        // Linux answers: is-at 02:00:00:00:00:01.
        byte[] reply = new byte[42];
        var r = new EthernetFrame(reply) { Destination = OurMac, Source = LinuxMac, EtherType = EtherType.Arp };
        var ra = new ArpPacket(r.Payload);
        ra.WriteEthernetIpv4Header();
        ra.Operation = ArpPacket.OperationReply;
        ra.SenderHardwareAddress = LinuxMac;
        ra.SenderProtocolAddress = new Ipv4Address(10, 99, 0, 1);
        ra.TargetHardwareAddress = OurMac;
        ra.TargetProtocolAddress = new Ipv4Address(10, 99, 0, 2);
        wire.Transmit(reply);
        iface.Poll(2);
        byte[] sent = Assert.Single(Drain(wire));
        Assert.True(EthernetFrame.TryParse(sent, out eth));
        Assert.Equal(LinuxMac, eth.Destination);
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        Assert.Equal(new Ipv4Address(192, 0, 2, 7), ip.Destination);
    }
}

[Trait("Category", "unit")]
public class NetworkSettingsTests
{
    [Fact]
    public void Command_line_address_prefix_and_gateway_are_parsed_and_bad_values_say_what_to_write()
    {
        InterfaceConfig c = Kernel.Net.App.NetworkSettings.Parse("10.77.0.2/16", "10.77.0.1");
        Assert.Equal(new Ipv4Address(10, 77, 0, 2), c.Address);
        Assert.Equal(16, c.PrefixLength);
        Assert.Equal(new Ipv4Address(10, 77, 0, 1), c.Gateway);
        Assert.True(Kernel.Net.App.NetworkSettings.Parse(null, "none").Gateway.IsUnspecified);
        var e = Assert.Throws<ArgumentException>(() => Kernel.Net.App.NetworkSettings.Parse("10.0.2.300/24", null));
        Assert.Contains("ip=10.0.2.15/24", e.Message);
    }

    [Fact]
    public void Virtio_mmio_entries_from_the_QEMU_microvm_command_line_are_parsed()
    {
        Assert.True(Kernel.Net.App.NetworkSettings.TryParseVirtioMmio("512@0xfeb00e00:12", out long address, out int irq));
        Assert.Equal(0xfeb00e00L, address);
        Assert.Equal(12, irq);
        Assert.False(Kernel.Net.App.NetworkSettings.TryParseVirtioMmio("512@feb00e00:12", out _, out _));
    }
}
