using Kernel.Net.App;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// The guest's end of Summoner's UDP tunnel over the in-memory link: host B is the guest (with
/// <c>udp_tunnel</c>) running a UDP echo app through the ordinary <see cref="IDatagramSocket"/> API,
/// stack A plays Summoner's door with raw TCP connections carrying <see cref="UdpTunnelFrame"/>s.
/// </summary>
[Trait("Category", "unit")]
public class UdpTunnelTests
{
    private const ushort TunnelPort = UdpTunnelFrame.DefaultPort;
    private const ushort EchoPort = 53;

    private static (TwoStacks Net, StackServiceHost Host, Echo App) Boot()
    {
        var net = new TwoStacks(seed: 5);
        var settings = new Dictionary<string, string> { ["udp_tunnel"] = TunnelPort.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var host = new StackServiceHost(net.B, new ServiceOverStackTests.VirtualMachine(net, settings));
        var app = new Echo();
        host.BindUdp(EchoPort, app);
        return (net, host, app);
    }

    private static void RunUntil(TwoStacks net, StackServiceHost host, Func<bool> done, int maxSteps = 200_000)
    {
        for (int i = 0; i < maxSteps && !done(); i++)
        {
            host.RunOnce(wait: false);
            net.A.Poll(net.Now);
            net.AdvanceClock();
        }
        Assert.True(done(), $"not done after the step budget ({net.Now / 1_000_000} ms virtual)");
    }

    /// <summary>Echoes every datagram to its source and remembers where each came from.</summary>
    private sealed class Echo : IDatagramHandler
    {
        public List<(Ipv4Address Address, ushort Port, byte[] Payload)> Seen { get; } = [];

        /// <summary>Replies SendTo would not send.</summary>
        public int Refused { get; private set; }

        public void OnDatagram(IDatagramSocket socket)
        {
            var buffer = new byte[2048];
            int n;
            while ((n = socket.ReceiveFrom(buffer, out Ipv4Address source, out ushort sourcePort)) >= 0)
            {
                byte[] payload = buffer.AsSpan(0, n).ToArray();
                Seen.Add((source, sourcePort, payload));
                if (!socket.SendTo(source, sourcePort, payload)) Refused++;
            }
        }
    }

    /// <summary>The door's end of one tunnel connection.</summary>
    private sealed class DoorEnd
    {
        private readonly List<byte> _received = [];

        public DoorEnd(TwoStacks net, StackServiceHost host)
        {
            Socket = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, TunnelPort)!;
            RunUntil(net, host, () => Socket.State == TcpState.Established);
        }

        public TcpConnection Socket { get; }

        public void Send(ReadOnlySpan<byte> payload, ushort port = EchoPort) => Write(Frame(payload.Length, port), payload);

        public void Write(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
        {
            Assert.Equal(header.Length, Socket.Write(header));
            Assert.Equal(payload.Length, Socket.Write(payload));
        }

        /// <summary>Complete frames received so far, as (port, payload).</summary>
        public List<(ushort Port, byte[] Payload)> Frames
        {
            get
            {
                var buffer = new byte[4096];
                int n;
                while ((n = Socket.Read(buffer)) > 0) _received.AddRange(buffer.AsSpan(0, n).ToArray());
                var frames = new List<(ushort, byte[])>();
                byte[] all = [.. _received];
                int at = 0;
                while (all.Length - at >= UdpTunnelFrame.HeaderLength)
                {
                    int length = (int)UdpTunnelFrame.ReadLength(all.AsSpan(at));
                    if (all.Length - at - UdpTunnelFrame.HeaderLength < length) break;
                    frames.Add((UdpTunnelFrame.ReadPort(all.AsSpan(at)), all.AsSpan(at + UdpTunnelFrame.HeaderLength, length).ToArray()));
                    at += UdpTunnelFrame.HeaderLength + length;
                }
                return frames;
            }
        }
    }

    private static byte[] Frame(long length, ushort port)
    {
        var header = new byte[UdpTunnelFrame.HeaderLength];
        UdpTunnelFrame.WriteHeader(header, (int)length, port);
        return header;
    }

    private static byte[] Bytes(int size, int seed)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void Framed_datagrams_reach_the_apps_socket_from_the_connections_endpoint_and_its_replies_come_back_framed()
    {
        (TwoStacks net, StackServiceHost host, Echo app) = Boot();
        var door = new DoorEnd(net, host);
        byte[][] sent = [Bytes(1, 1), Bytes(0, 2), Bytes(1472, 3), Bytes(300, 4)];
        // All in one write: frames split and joined across segments must still come apart right.
        door.Write(Frame(sent[0].Length, EchoPort), [.. sent[0], .. Frame(sent[1].Length, EchoPort), .. Frame(sent[2].Length, EchoPort), .. sent[2]]);
        door.Send(sent[3]);
        RunUntil(net, host, () => door.Frames.Count == sent.Length);

        Assert.Equal(sent, app.Seen.Select(s => s.Payload));
        Assert.All(app.Seen, s => Assert.Equal((TwoStacks.AddressA, door.Socket.LocalPort), (s.Address, s.Port)));
        Assert.Equal(sent, door.Frames.Select(f => f.Payload));
        Assert.All(door.Frames, f => Assert.Equal(EchoPort, f.Port));
    }

    [Fact]
    public void Two_tunnel_connections_are_two_distinct_endpoints_and_each_reply_goes_back_on_its_own()
    {
        (TwoStacks net, StackServiceHost host, Echo app) = Boot();
        var first = new DoorEnd(net, host);
        var second = new DoorEnd(net, host);
        first.Send("one"u8);
        second.Send("two"u8);
        RunUntil(net, host, () => first.Frames.Count == 1 && second.Frames.Count == 1);

        Assert.Equal(2, app.Seen.Select(s => (s.Address, s.Port)).Distinct().Count());
        Assert.Equal("one"u8.ToArray(), first.Frames[0].Payload);
        Assert.Equal("two"u8.ToArray(), second.Frames[0].Payload);
    }

    [Fact]
    public void A_frame_larger_than_65535_closes_its_connection_and_only_that_one()
    {
        (TwoStacks net, StackServiceHost host, Echo app) = Boot();
        var bad = new DoorEnd(net, host);
        var good = new DoorEnd(net, host);
        bad.Write(Frame(UdpTunnelFrame.MaxPayload + 1, EchoPort), Bytes(100, 5));
        RunUntil(net, host, () => bad.Socket.IsClosed);
        Assert.Empty(app.Seen);

        good.Send("still here"u8);
        RunUntil(net, host, () => good.Frames.Count == 1);
        Assert.Equal("still here"u8.ToArray(), good.Frames[0].Payload);
    }

    [Fact]
    public void A_frame_of_exactly_65535_bytes_is_no_protocol_error_but_too_large_for_the_socket_and_dropped()
    {
        (TwoStacks net, StackServiceHost host, Echo app) = Boot();
        var door = new DoorEnd(net, host);
        byte[] big = Bytes(UdpTunnelFrame.MaxPayload, 6);
        byte[] after = Bytes(20, 7);
        // Written in pieces: the send buffer is smaller than the frame.
        byte[] all = [.. Frame(big.Length, EchoPort), .. big, .. Frame(after.Length, EchoPort), .. after];
        int at = 0;
        RunUntil(net, host, () =>
        {
            if (at < all.Length) at += Math.Max(0, door.Socket.Write(all.AsSpan(at)));
            return door.Frames.Count == 1;
        });
        Assert.False(door.Socket.IsClosed);
        Assert.Equal(after, Assert.Single(app.Seen).Payload);
    }

    [Fact]
    public void A_frame_for_a_port_nobody_bound_is_dropped_and_a_closed_connection_ends_its_flow()
    {
        (TwoStacks net, StackServiceHost host, Echo app) = Boot();
        var door = new DoorEnd(net, host);
        door.Send("nobody"u8, port: 54);
        door.Send("echo"u8);
        RunUntil(net, host, () => door.Frames.Count == 1);
        Assert.Equal("echo"u8.ToArray(), Assert.Single(app.Seen).Payload);
        Assert.Equal(1, net.B.Udp.NoSocket);

        door.Socket.Close();
        RunUntil(net, host, () => door.Socket.IsClosed);
        // The app's reply to the ended flow's endpoint no longer goes over the tunnel: it is plain UDP now.
        var sink = net.A.Udp.Bind(door.Socket.LocalPort);
        (Ipv4Address address, ushort port, _) = app.Seen[0];
        Assert.True(host.BindUdp(0, new Echo()).SendTo(address, port, "late"u8));
        RunUntil(net, host, () => sink.Queued == 1);
    }

    [Fact]
    public void A_burst_larger_than_the_sockets_queue_waits_in_the_connection_instead_of_being_dropped()
    {
        (TwoStacks net, StackServiceHost host, Echo app) = Boot();
        var door = new DoorEnd(net, host);
        // 100 frames in one write arrive in a few segments and one read: far more than the socket's 16 slots.
        byte[][] sent = [.. Enumerable.Range(0, 100).Select(i => Bytes(8, 100 + i))];
        byte[] all = [.. sent.SelectMany(d => Frame(d.Length, EchoPort).Concat(d))];
        Assert.Equal(all.Length, door.Socket.Write(all));
        RunUntil(net, host, () => app.Seen.Count == sent.Length);
        Assert.Equal(sent, app.Seen.Select(s => s.Payload));
        RunUntil(net, host, () => door.Frames.Count == sent.Length);
    }

    [Fact]
    public void Replies_to_a_door_that_stops_reading_are_dropped_once_the_send_buffer_is_full_and_the_loop_goes_on()
    {
        (TwoStacks net, StackServiceHost host, Echo app) = Boot();
        var deaf = new DoorEnd(net, host);
        var other = new DoorEnd(net, host);
        // The deaf end never reads: its window closes, then the guest's send buffer fills.
        byte[] datagram = Bytes(1400, 8);
        int sent = 0;
        RunUntil(net, host, () =>
        {
            if (app.Refused == 0 && deaf.Socket.SendSpace >= UdpTunnelFrame.HeaderLength + datagram.Length)
            {
                deaf.Send(datagram);
                sent++;
            }
            return app.Refused > 0;
        });
        Assert.True(sent > 1, "at least one reply fitted before the buffer filled");
        // Still serving: another connection's datagram is answered while the deaf one stays stuck.
        other.Send("next"u8);
        RunUntil(net, host, () => other.Frames.Count == 1);
        Assert.False(deaf.Socket.IsClosed);
        // Reading again, the deaf end gets every reply that was sent, whole: a dropped one left no partial frame behind.
        RunUntil(net, host, () => deaf.Frames.Count == sent - app.Refused);
        Assert.All(deaf.Frames, f => Assert.Equal(datagram, f.Payload));
        Assert.InRange(app.Refused, 1, sent - 1);
        // And the stream is still framed: the next reply is read as itself.
        int before = deaf.Frames.Count;
        deaf.Send("after"u8);
        RunUntil(net, host, () => deaf.Frames.Count > before);
        Assert.Equal("after"u8.ToArray(), deaf.Frames[before].Payload);
    }
}
