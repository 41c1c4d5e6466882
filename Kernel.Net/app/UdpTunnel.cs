using System;
using System.Collections.Generic;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;

namespace Kernel.Net.App
{
    /// <summary>
    /// The guest's end of Summoner's UDP tunnel (<see cref="UdpTunnelFrame"/>): it accepts tunnel
    /// connections on the <c>udp_tunnel</c> port and hands each framed datagram to the UDP socket
    /// bound on the frame's port as if it came from the connection's remote endpoint (QEMU's
    /// gateway and the connection's own source port, unique per connection), so apps keep their
    /// <see cref="IDatagramSocket"/>. A reply sent to that endpoint goes back over the connection.
    /// A connection that ends ends its flow; a datagram that finds the connection's send buffer
    /// full is dropped, as UDP would, so the loop never waits on a slow peer. Coming in, a frame
    /// whose socket's queue is full waits in the connection (its window then pushes back on the
    /// door) until the app has read: a burst that arrived as one TCP read is not cut to the queue.
    /// </summary>
    internal sealed class UdpTunnel
    {
        private readonly UdpStack _udp;
        private readonly TcpListener _listener;
        private readonly List<Flow> _flows = new List<Flow>();

        public UdpTunnel(TcpStack tcp, UdpStack udp, ushort port)
        {
            _udp = udp;
            _listener = tcp.Listen(port, tcp.Config.AcceptBacklog);
        }

        public ushort Port => _listener.Port;

        /// <summary>Tunnel connections open now.</summary>
        public int Count => _flows.Count;

        /// <summary>The tunnel port named by the <c>udp_tunnel</c> setting, or 0 when there is none.</summary>
        public static ushort PortFromSettings(IMachine machine)
        {
            string? text = machine.Setting("udp_tunnel");
            int port;
            if (text is null || !int.TryParse(text, out port) || port < 1 || port > 65535) return 0;
            return (ushort)port;
        }

        /// <summary>Accepts new tunnel connections and moves every complete frame into its UDP socket; true if anything happened.</summary>
        public bool Poll()
        {
            bool any = false;
            TcpConnection? c;
            while ((c = _listener.Accept()) is not null)
            {
                any = true;
                _flows.Add(new Flow(c));
                c.ReadableEvent = true; // frames may have come with the handshake
            }
            int kept = 0;
            for (int i = 0; i < _flows.Count; i++)
            {
                Flow flow = _flows[i];
                TcpConnection s = flow.Socket;
                if (s.ReadableEvent || s.IsClosed || (flow.Stalled && !QueueFull(flow)))
                {
                    any = true;
                    s.ReadableEvent = false;
                    flow.Stalled = false;
                    if (!Pump(flow)) continue;
                }
                _flows[kept++] = flow;
            }
            if (kept < _flows.Count) _flows.RemoveRange(kept, _flows.Count - kept);
            return any;
        }

        /// <summary>
        /// Sends <paramref name="payload"/> back over the tunnel connection whose endpoint is the
        /// destination; false when no tunnel connection has that endpoint (the datagram is not the
        /// tunnel's). <paramref name="sent"/> is false when it was dropped (too large, send buffer full).
        /// </summary>
        public bool TrySend(Ipv4Address destination, ushort destinationPort, ushort sourcePort, ReadOnlySpan<byte> payload, out bool sent)
        {
            sent = false;
            for (int i = 0; i < _flows.Count; i++)
            {
                TcpConnection s = _flows[i].Socket;
                if (s.RemotePort != destinationPort || s.RemoteAddress != destination) continue;
                if (payload.Length > UdpTunnelFrame.MaxPayload || s.SendSpace < UdpTunnelFrame.HeaderLength + payload.Length) return true;
                Span<byte> header = stackalloc byte[UdpTunnelFrame.HeaderLength];
                UdpTunnelFrame.WriteHeader(header, payload.Length, sourcePort);
                // The room was checked: both writes take everything (or -1 once the connection is gone).
                sent = s.Write(header) == header.Length && s.Write(payload) == payload.Length;
                return true;
            }
            return false;
        }

        /// <summary>Reads what the connection has; false once it ended (peer closed, reset, or a protocol error).</summary>
        private bool Pump(Flow flow)
        {
            TcpConnection s = flow.Socket;
            while (true)
            {
                int n;
                if (flow.HeaderHave < UdpTunnelFrame.HeaderLength)
                {
                    n = s.Read(flow.Header.AsSpan(flow.HeaderHave));
                    if (n == 0) return true;
                    if (n < 0) return End(s);
                    flow.HeaderHave += n;
                    if (flow.HeaderHave < UdpTunnelFrame.HeaderLength) continue;
                    long length = UdpTunnelFrame.ReadLength(flow.Header);
                    if (length > UdpTunnelFrame.MaxPayload)
                    {
                        s.Abort();
                        return false;
                    }
                    flow.Length = (int)length;
                    flow.Have = 0;
                }
                int want = flow.Length - flow.Have;
                if (want > 0)
                {
                    // A payload the UDP socket could not queue anyway is read through the buffer and forgotten.
                    bool fits = flow.Length <= flow.Payload.Length;
                    n = s.Read(fits ? flow.Payload.AsSpan(flow.Have, want) : flow.Payload.AsSpan(0, Math.Min(want, flow.Payload.Length)));
                    if (n == 0) return true;
                    if (n < 0) return End(s);
                    flow.Have += n;
                    if (flow.Have < flow.Length) continue;
                }
                UdpSocket? socket = _udp.Find(UdpTunnelFrame.ReadPort(flow.Header));
                if (socket is not null && socket.IsFull && flow.Length <= flow.Payload.Length)
                {
                    flow.Stalled = true; // the frame stays whole in Payload; Poll retries once the app has read
                    return true;
                }
                flow.HeaderHave = 0;
                if (socket is null) _udp.CountNoSocket();
                else if (flow.Length > flow.Payload.Length) socket.CountDropped();
                else socket.Deliver(s.RemoteAddress, s.RemotePort, flow.Payload.AsSpan(0, flow.Length));
            }
        }

        /// <summary>The stalled frame's socket still has no room (a socket unbound meanwhile has: the frame is then dropped).</summary>
        private bool QueueFull(Flow flow)
        {
            UdpSocket? socket = _udp.Find(UdpTunnelFrame.ReadPort(flow.Header));
            return socket is not null && socket.IsFull;
        }

        private static bool End(TcpConnection s)
        {
            // Close answers the peer's FIN with ours; on a connection already gone it only releases it to the stack.
            if (s.IsClosed) s.Abort();
            else s.Close();
            return false;
        }

        private sealed class Flow
        {
            public Flow(TcpConnection socket)
            {
                Socket = socket;
            }

            public TcpConnection Socket { get; }

            public readonly byte[] Header = new byte[UdpTunnelFrame.HeaderLength];

            public readonly byte[] Payload = new byte[UdpSocket.MaxPayload];

            public int HeaderHave;

            public int Length;

            public int Have;

            /// <summary>A complete frame waits in Payload for room in its socket's queue.</summary>
            public bool Stalled;
        }
    }
}
