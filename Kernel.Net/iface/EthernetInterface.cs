using System;
using Kernel.Net.Phy;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;

namespace Kernel.Net.Iface
{
    /// <summary>
    /// One IPv4 interface over an Ethernet device: takes frames up (Ethernet, ARP, IPv4, ICMP echo,
    /// then UDP and TCP sockets) and sends packets down (routing to a gateway, ARP resolution with
    /// a small parking lot for packets waiting on it). Everything happens inside <see cref="Poll"/>,
    /// driven by the caller's clock, so tests can run it on virtual time.
    /// </summary>
    public sealed class EthernetInterface : IIpv4Output
    {
        private const int MaxFramesPerPoll = 64;
        private const int ParkingSlots = 8;
        private const long ArpRetryInterval = 1_000_000_000;
        private const long ParkingLifetime = 3_000_000_000;
        private const byte DefaultTtl = 64;
        private readonly INetworkDevice _device;
        private readonly InterfaceConfig _config;
        private readonly NeighborCache _neighbors;
        private readonly byte[] _rx = new byte[EthernetFrame.MaxFrameLength + 4];
        private readonly byte[] _tx = new byte[EthernetFrame.MaxFrameLength];
        private readonly byte[][] _parked = new byte[ParkingSlots][];
        private readonly int[] _parkedLength = new int[ParkingSlots];
        private readonly Ipv4Address[] _parkedHop = new Ipv4Address[ParkingSlots];
        private readonly long[] _parkedAt = new long[ParkingSlots];
        private readonly Ipv4Address[] _arpAsked = new Ipv4Address[ParkingSlots];
        private readonly long[] _arpAskedAt = new long[ParkingSlots];
        private readonly int _mtu;
        // Read once: two frames per request look at it, and with more than one device type in an image
        // each look is an interface call (about 200 instructions in this kernel, emulated under TCG).
        private readonly MacAddress _mac;
        private long _now;
        private ushort _ipId;
        private bool _announced;

        public EthernetInterface(INetworkDevice device, InterfaceConfig config, TcpConfig? tcpConfig = null, ulong isnSecret = 0x5EED)
        {
            _device = device;
            _config = config;
            _mtu = Math.Min(device.Mtu, EthernetFrame.MaxFrameLength - EthernetFrame.HeaderLength);
            _mac = device.HardwareAddress;
            _neighbors = new NeighborCache(64, config.NeighborLifetime);
            for (int i = 0; i < ParkingSlots; i++) _parked[i] = new byte[_mtu];
            Tcp = new TcpStack(tcpConfig ?? new TcpConfig(), isnSecret ^ _mac.Value, _mtu);
            Udp = new UdpStack(this, () => _config.Address);
        }

        public TcpStack Tcp { get; }

        public UdpStack Udp { get; }

        public InterfaceConfig Config => _config;

        public MacAddress HardwareAddress => _mac;

        public NeighborCache Neighbors => _neighbors;

        public InterfaceCounters Counters { get; } = new InterfaceCounters();

        /// <summary>Receives and handles waiting frames, then lets the sockets send. Returns true if any frame arrived.</summary>
        public bool Poll(long now)
        {
            _now = now;
            if (!_announced)
            {
                _announced = true;
                SendArp(ArpPacket.OperationRequest, MacAddress.Broadcast, _config.Address, MacAddress.Zero); // gratuitous ARP
            }
            bool any = false;
            for (int i = 0; i < MaxFramesPerPoll; i++)
            {
                int n = _device.Receive(_rx);
                if (n <= 0) break;
                any = true;
                Counters.FramesReceived++;
                HandleFrame(_rx.AsSpan(0, n));
            }
            ExpireParked();
            Tcp.Dispatch(now, this);
            return any;
        }

        /// <summary>Earliest time Poll has timer work to do (0: now; long.MaxValue: nothing scheduled).</summary>
        public long NextDeadline()
        {
            long d = Tcp.NextDeadline();
            for (int i = 0; i < ParkingSlots; i++)
            {
                if (_parkedLength[i] > 0) d = Math.Min(d, Math.Min(_parkedAt[i] + ParkingLifetime, _now + ArpRetryInterval));
            }
            return d;
        }

        // ---------------------------------------------------------------- receive path

        private void HandleFrame(Span<byte> bytes)
        {
            if (!EthernetFrame.TryParse(bytes, out EthernetFrame frame)) { Counters.Malformed++; return; }
            MacAddress dst = frame.Destination;
            if (dst != _mac && !dst.IsBroadcast) { Counters.NotForUs++; return; }
            switch (frame.EtherType)
            {
                case EtherType.Arp: HandleArp(frame.Payload); break;
                case EtherType.Ipv4: HandleIpv4(frame.Payload, frame.Source); break;
                default: Counters.UnknownProtocol++; break;
            }
        }

        private void HandleArp(Span<byte> bytes)
        {
            if (!ArpPacket.TryParse(bytes, out ArpPacket arp)) { Counters.Malformed++; return; }
            Ipv4Address sender = arp.SenderProtocolAddress;
            if (sender.IsUnspecified) return; // an ARP probe (RFC 5227) teaches nothing
            // RFC 826 merge: refresh a known sender; learn it if the packet is about us.
            bool aboutUs = arp.TargetProtocolAddress == _config.Address;
            if (aboutUs || _neighbors.Contains(sender, _now))
            {
                _neighbors.Fill(sender, arp.SenderHardwareAddress, _now);
                FlushParked(sender);
            }
            if (aboutUs && arp.Operation == ArpPacket.OperationRequest)
                SendArp(ArpPacket.OperationReply, arp.SenderHardwareAddress, sender, arp.SenderHardwareAddress);
        }

        private void HandleIpv4(Span<byte> bytes, MacAddress sourceMac)
        {
            if (!Ipv4Packet.TryParse(bytes, out Ipv4Packet ip)) { Counters.Malformed++; return; }
            Ipv4Address dst = ip.Destination;
            if (dst != _config.Address && !dst.IsBroadcast && !IsSubnetBroadcast(dst)) { Counters.NotForUs++; return; }
            if (ip.IsFragment) { Counters.FragmentsDropped++; return; }
            Ipv4Address src = ip.Source;
            // An on-link sender's address comes with its frame (as smoltcp and lwIP use it): a burst of
            // SYNs then needs no ARP round trip before the SYN-ACKs, and nothing waits in the parking lot.
            if (!sourceMac.IsMulticast && src.SameSubnet(_config.Address, _config.PrefixLength) && !src.IsUnspecified && !IsSubnetBroadcast(src)
                && !_neighbors.Contains(src, _now))
            {
                _neighbors.Fill(src, sourceMac, _now);
            }
            switch (ip.Protocol)
            {
                case IpProtocol.Tcp:
                    if (dst != _config.Address) return;
                    if (!TcpSegment.TryParse(ip.Payload, src, dst, out TcpSegment seg)) { Counters.Malformed++; return; }
                    Tcp.Process(_now, src, dst, seg, this);
                    break;
                case IpProtocol.Udp:
                    if (!UdpDatagram.TryParse(ip.Payload, src, dst, out UdpDatagram udp)) { Counters.Malformed++; return; }
                    Udp.Process(src, udp);
                    break;
                case IpProtocol.Icmp:
                    HandleIcmp(src, dst, ip.Payload);
                    break;
                default:
                    Counters.UnknownProtocol++;
                    break;
            }
        }

        private void HandleIcmp(Ipv4Address src, Ipv4Address dst, Span<byte> bytes)
        {
            if (!IcmpPacket.TryParse(bytes, out IcmpPacket icmp)) { Counters.Malformed++; return; }
            if (icmp.Type != IcmpPacket.TypeEchoRequest || dst != _config.Address) return;
            Span<byte> buffer = PayloadBuffer;
            if (bytes.Length > buffer.Length) return;
            bytes.CopyTo(buffer);
            var reply = new IcmpPacket(buffer.Slice(0, bytes.Length));
            reply.Type = IcmpPacket.TypeEchoReply;
            reply.Code = 0;
            reply.FillChecksum();
            Counters.EchoReplies++;
            Send(src, IpProtocol.Icmp, bytes.Length);
        }

        private bool IsSubnetBroadcast(Ipv4Address dst)
        {
            if (_config.PrefixLength >= 31) return false;
            uint hostMask = 0xFFFF_FFFFu >> _config.PrefixLength;
            return dst.SameSubnet(_config.Address, _config.PrefixLength) && (dst.Value & hostMask) == hostMask;
        }

        // ---------------------------------------------------------------- send path

        public Span<byte> PayloadBuffer => _tx.AsSpan(EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength, _mtu - Ipv4Packet.MinHeaderLength);

        public bool Send(Ipv4Address destination, byte protocol, int payloadLength)
        {
            if (!Route(destination, out Ipv4Address hop)) { Counters.NoRoute++; return false; }
            var ip = new Ipv4Packet(_tx.AsSpan(EthernetFrame.HeaderLength, Ipv4Packet.MinHeaderLength + payloadLength));
            ip.WriteHeader(_config.Address, destination, protocol, payloadLength, _ipId++, DefaultTtl);
            if (destination.IsBroadcast) return Transmit(MacAddress.Broadcast, ip.Bytes.Length);
            if (_neighbors.TryLookup(hop, _now, out MacAddress mac)) return Transmit(mac, ip.Bytes.Length);
            Park(hop, ip.Bytes);
            return true;
        }

        private bool Route(Ipv4Address destination, out Ipv4Address hop)
        {
            hop = destination;
            if (destination.IsBroadcast || destination.SameSubnet(_config.Address, _config.PrefixLength)) return true;
            hop = _config.Gateway;
            return !hop.IsUnspecified;
        }

        private bool Transmit(MacAddress destination, int ipLength)
        {
            var frame = new EthernetFrame(_tx.AsSpan(0, EthernetFrame.HeaderLength + ipLength));
            frame.Destination = destination;
            frame.Source = _mac;
            frame.EtherType = EtherType.Ipv4;
            Counters.FramesSent++;
            if (_device.Transmit(frame.Bytes)) return true;
            Counters.TransmitDropped++;
            return false;
        }

        private void SendArp(ushort operation, MacAddress ethernetDestination, Ipv4Address targetIp, MacAddress targetMac)
        {
            Span<byte> bytes = _tx.AsSpan(0, EthernetFrame.HeaderLength + ArpPacket.Length);
            var frame = new EthernetFrame(bytes);
            frame.Destination = ethernetDestination;
            frame.Source = _mac;
            frame.EtherType = EtherType.Arp;
            var arp = new ArpPacket(frame.Payload);
            arp.WriteEthernetIpv4Header();
            arp.Operation = operation;
            arp.SenderHardwareAddress = _mac;
            arp.SenderProtocolAddress = _config.Address;
            arp.TargetHardwareAddress = targetMac;
            arp.TargetProtocolAddress = targetIp;
            Counters.FramesSent++;
            _device.Transmit(bytes);
        }

        /// <summary>Holds a packet until its next hop answers ARP; asks at most once per second per address.</summary>
        private void Park(Ipv4Address hop, ReadOnlySpan<byte> ipPacket)
        {
            int slot = -1;
            for (int i = 0; i < ParkingSlots; i++)
            {
                if (_parkedLength[i] == 0) { slot = i; break; }
            }
            if (slot < 0) { Counters.ArpQueueFull++; }
            else
            {
                ipPacket.CopyTo(_parked[slot]);
                _parkedLength[slot] = ipPacket.Length;
                _parkedHop[slot] = hop;
                _parkedAt[slot] = _now;
            }
            AskArp(hop);
        }

        private void AskArp(Ipv4Address hop)
        {
            int free = 0;
            for (int i = 0; i < ParkingSlots; i++)
            {
                if (_arpAsked[i] == hop)
                {
                    if (_now - _arpAskedAt[i] < ArpRetryInterval) return;
                    free = i;
                    break;
                }
                if (_arpAskedAt[i] < _arpAskedAt[free]) free = i;
            }
            _arpAsked[free] = hop;
            _arpAskedAt[free] = _now;
            SendArp(ArpPacket.OperationRequest, MacAddress.Broadcast, hop, MacAddress.Zero);
        }

        private void FlushParked(Ipv4Address hop)
        {
            if (!_neighbors.TryLookup(hop, _now, out MacAddress mac)) return;
            for (int i = 0; i < ParkingSlots; i++)
            {
                if (_parkedLength[i] == 0 || _parkedHop[i] != hop) continue;
                int n = _parkedLength[i];
                _parked[i].AsSpan(0, n).CopyTo(_tx.AsSpan(EthernetFrame.HeaderLength));
                _parkedLength[i] = 0;
                Transmit(mac, n);
            }
        }

        private void ExpireParked()
        {
            for (int i = 0; i < ParkingSlots; i++)
            {
                if (_parkedLength[i] == 0) continue;
                if (_now - _parkedAt[i] >= ParkingLifetime) { _parkedLength[i] = 0; Counters.ArpUnresolved++; }
                else AskArp(_parkedHop[i]);
            }
        }
    }
}
