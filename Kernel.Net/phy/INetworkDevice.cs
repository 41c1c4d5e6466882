using System;
using Kernel.Net.Wire;

namespace Kernel.Net.Phy
{
    /// <summary>
    /// What the stack needs from a link: whole Ethernet frames in and out, no FCS. Receive copies
    /// into the caller's buffer so a driver can recycle its DMA buffer at once.
    /// </summary>
    public interface INetworkDevice
    {
        MacAddress HardwareAddress { get; }

        /// <summary>Largest IP datagram a frame can carry (1500 on Ethernet).</summary>
        int Mtu { get; }

        /// <summary>Copies the next received frame into <paramref name="buffer"/>; returns its length, or 0 when none is waiting.</summary>
        int Receive(Span<byte> buffer);

        /// <summary>Hands one frame to the link. False when the device had no room: the frame is dropped, as a full NIC ring would.</summary>
        bool Transmit(ReadOnlySpan<byte> frame);
    }
}
