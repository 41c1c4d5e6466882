using System;
using Kernel.Net.Wire;

namespace Kernel.Net.Sockets
{
    /// <summary>How sockets send: build a transport header and data in <see cref="PayloadBuffer"/>,
    /// then <see cref="Send"/> it; the interface adds IPv4 and Ethernet around it in place.</summary>
    public interface IIpv4Output
    {
        /// <summary>Room for one IPv4 payload: MTU minus the 20-byte IPv4 header.</summary>
        Span<byte> PayloadBuffer { get; }

        /// <summary>Sends the first <paramref name="payloadLength"/> bytes of <see cref="PayloadBuffer"/>.
        /// False when the packet could not leave (no route, link full); callers that need it resend later.</summary>
        bool Send(Ipv4Address destination, byte protocol, int payloadLength);
    }
}
