using System;
using System.Collections.Generic;
using Kernel.Net.Wire;

namespace Kernel.Net.Sockets
{
    /// <summary>UDP sockets of one interface, by local port.</summary>
    public sealed class UdpStack
    {
        private readonly Dictionary<ushort, UdpSocket> _sockets = new Dictionary<ushort, UdpSocket>();
        private readonly IIpv4Output _output;
        private readonly Func<Ipv4Address> _localAddress;
        private ushort _nextEphemeral;

        public UdpStack(IIpv4Output output, Func<Ipv4Address> localAddress)
        {
            _output = output;
            _localAddress = localAddress;
            _nextEphemeral = 49151;
        }

        /// <summary>Datagrams for ports nobody bound.</summary>
        public long NoSocket { get; private set; }

        public UdpSocket Bind(ushort port, int queueDatagrams = 16)
        {
            if (_sockets.ContainsKey(port)) throw new InvalidOperationException("UDP port " + port.ToString() + " is already bound");
            var s = new UdpSocket(this, port, queueDatagrams);
            _sockets[port] = s;
            return s;
        }

        /// <summary>Binds the next free port of the dynamic range (RFC 6335: 49152-65535).</summary>
        public UdpSocket BindEphemeral(int queueDatagrams = 16)
        {
            for (int i = 0; i < 16384; i++)
            {
                _nextEphemeral = (ushort)(_nextEphemeral >= 65535 || _nextEphemeral < 49152 ? 49152 : _nextEphemeral + 1);
                if (!_sockets.ContainsKey(_nextEphemeral)) return Bind(_nextEphemeral, queueDatagrams);
            }
            throw new InvalidOperationException("every ephemeral UDP port is bound");
        }

        /// <summary>Frees the socket's port; datagrams for it count as NoSocket from now on.</summary>
        public void Unbind(UdpSocket socket)
        {
            UdpSocket? bound;
            if (_sockets.TryGetValue(socket.Port, out bound) && (object)bound == socket) _sockets.Remove(socket.Port);
        }

        /// <summary>The socket bound on <paramref name="port"/>, or null.</summary>
        internal UdpSocket? Find(ushort port)
        {
            UdpSocket? s;
            return _sockets.TryGetValue(port, out s) ? s : null;
        }

        /// <summary>A datagram that came another way (Summoner's UDP tunnel) for a port nobody bound.</summary>
        internal void CountNoSocket() => NoSocket++;

        public void Process(Ipv4Address source, UdpDatagram datagram)
        {
            if (_sockets.TryGetValue(datagram.DestinationPort, out UdpSocket? s)) s.Deliver(source, datagram.SourcePort, datagram.Payload);
            else NoSocket++;
        }

        internal bool Send(ushort sourcePort, Ipv4Address destination, ushort destinationPort, ReadOnlySpan<byte> payload)
        {
            Span<byte> buffer = _output.PayloadBuffer;
            int length = UdpDatagram.HeaderLength + payload.Length;
            if (length > buffer.Length) return false;
            var d = new UdpDatagram(buffer.Slice(0, length));
            d.SourcePort = sourcePort;
            d.DestinationPort = destinationPort;
            d.Length = length;
            payload.CopyTo(d.Payload);
            d.FillChecksum(_localAddress(), destination);
            return _output.Send(destination, IpProtocol.Udp, length);
        }
    }
}
