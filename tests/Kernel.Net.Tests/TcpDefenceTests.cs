using Kernel.Net.App;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// The TCP layer's defences (issue 20): SYN cookies when the half-open table is full, a share of
/// the table per address, eviction of the connection stalled longest, the short SYN-ACK budget.
/// Spoofed peers are played by hand against a lone <see cref="TcpStack"/>; real handshakes run
/// over <see cref="TwoStacks"/>.
/// </summary>
[Trait("Category", "unit")]
public class TcpDefenceTests
{
    private static readonly Ipv4Address Server = new(10, 0, 0, 2);
    private const long Second = 1_000_000_000;

    [Fact]
    public void SipHash_2_4_matches_the_reference_vector_for_24_bytes()
    {
        // Reference implementation's vector for key 00..0f and message 00..17.
        ulong h = SipHash.Hash24(0x0706050403020100UL, 0x0F0E0D0C0B0A0908UL, 0x0706050403020100UL, 0x0F0E0D0C0B0A0908UL, 0x1716151413121110UL);
        Assert.Equal(0xb8ad50c6f649af94UL, h);
    }

    [Fact]
    public void With_the_half_open_table_full_a_client_connects_through_a_cookie_and_exchanges_data_both_ways()
    {
        using var net = new TwoStacks(tcp: new TcpConfig { MaxHalfOpen = 0 });
        (TcpConnection client, TcpConnection server) = TcpTransferTests.Transfer(net, 200_000, seed: 9);
        Assert.Equal(1, net.B.Tcp.Counters.SynCookiesSent);
        Assert.Equal(1, net.B.Tcp.Counters.SynCookiesValidated);
        Assert.Equal(0, net.B.Tcp.Counters.SynCookiesRejected);
        Assert.Equal(TcpError.None, client.Error);
        Assert.Equal(TcpError.None, server.Error);
    }

    [Fact]
    public void A_cookie_carries_the_peers_MSS_rounded_down_to_the_cookie_table()
    {
        var peer = new LoneStack(new TcpConfig { MaxHalfOpen = 0 });
        TcpListener listener = peer.Stack.Listen(80, 8);
        var client = new Ipv4Address(192, 0, 2, 7);
        uint cookie = peer.Syn(client, 4000, 1000, mss: 1410).SequenceNumber;
        peer.Send(client, 4000, 1001, cookie + 1, TcpFlags.Ack);
        TcpConnection server = Assert.IsType<TcpConnection>(listener.Accept());
        Assert.Equal(TcpState.Established, server.State);
        server.Write(new byte[5000]);
        peer.Sent.Clear();
        peer.Dispatch();
        Assert.NotEmpty(peer.Sent);
        Assert.All(peer.Sent, s => Assert.Equal(1400, s.Payload.Length)); // 1410 -> 1400, the table's value below
    }

    [Fact]
    public void Forged_foreign_and_expired_cookies_open_nothing_and_are_answered_with_RST()
    {
        var peer = new LoneStack(new TcpConfig { MaxHalfOpen = 0 });
        TcpListener listener = peer.Stack.Listen(80, 8);
        var client = new Ipv4Address(192, 0, 2, 7);
        Captured synAck = peer.Syn(client, 4000, 1000);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(1001u, synAck.AcknowledgmentNumber);
        uint cookie = synAck.SequenceNumber;

        peer.Send(client, 4000, 1001, (cookie ^ 0x10) + 1, TcpFlags.Ack); // guessed
        peer.Send(client, 4001, 1001, cookie + 1, TcpFlags.Ack); // another port's
        peer.Send(new Ipv4Address(192, 0, 2, 8), 4000, 1001, cookie + 1, TcpFlags.Ack); // another address's
        peer.Send(client, 4000, 5001, cookie + 1, TcpFlags.Ack); // another ISN's
        Assert.Equal(4, peer.Stack.Counters.SynCookiesRejected);
        Assert.Equal(4, peer.Sent.Count(s => s.Flags == TcpFlags.Rst));
        Assert.Equal(0, peer.Stack.ConnectionCount);

        // Two clock ticks later the same, once valid, cookie is stale (cookies are still being sent).
        peer.Now += 2 * (1L << 36) + Second;
        peer.Syn(client, 4002, 7000);
        peer.Send(client, 4000, 1001, cookie + 1, TcpFlags.Ack);
        Assert.Equal(5, peer.Stack.Counters.SynCookiesRejected);
        Assert.Equal(0, peer.Stack.ConnectionCount);
        Assert.Null(listener.Accept());

        // And the genuine article, in time, opens the connection.
        uint fresh = peer.Syn(client, 4003, 9000).SequenceNumber;
        peer.Send(client, 4003, 9001, fresh + 1, TcpFlags.Ack);
        Assert.Equal(1, peer.Stack.Counters.SynCookiesValidated);
        Assert.NotNull(listener.Accept());
    }

    [Fact]
    public void A_SYN_flood_from_spoofed_addresses_fills_the_half_open_table_which_empties_after_the_short_SYN_ACK_budget_while_a_real_client_gets_in()
    {
        var peer = new LoneStack(new TcpConfig());
        TcpListener listener = peer.Stack.Listen(80, 128);
        for (int i = 0; i < 1000; i++) peer.Syn(new Ipv4Address((uint)(0x0B00_0000 + i * 7919)), (ushort)(1024 + i), (uint)i * 100_000);
        Assert.Equal(64, peer.Stack.HalfOpenCount);
        Assert.Equal(1000 - 64, peer.Stack.Counters.SynCookiesSent);

        var real = new Ipv4Address(192, 0, 2, 50);
        uint cookie = peer.Syn(real, 5555, 42).SequenceNumber;
        peer.Send(real, 5555, 43, cookie + 1, TcpFlags.Ack | TcpFlags.Psh, "GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        TcpConnection server = Assert.IsType<TcpConnection>(listener.Accept());
        Assert.Equal(18, server.BytesAvailable);

        // 1 s, then 2 s more, then 4 s more: the third timeout, 7 s after the SYN, gives up (2 retransmissions).
        for (int i = 0; i < 65; i++) { peer.Now += Second / 10; peer.Dispatch(); }
        Assert.Equal(64, peer.Stack.HalfOpenCount);
        for (int i = 0; i < 10; i++) { peer.Now += Second / 10; peer.Dispatch(); }
        Assert.Equal(0, peer.Stack.HalfOpenCount);
        Assert.Equal(64, peer.Stack.Counters.HalfOpenExpired);
        Assert.Equal(TcpState.Established, server.State);
    }

    [Fact]
    public void With_the_table_full_a_new_client_evicts_the_connection_stalled_longest_and_no_other()
    {
        var config = new TcpConfig { MaxConnections = 4, EvictIdleAfterNanoseconds = Second };
        using var net = new TwoStacks(tcpB: config);
        TcpListener listener = net.B.Tcp.Listen(80, 8);
        var clients = new List<TcpConnection>();
        var servers = new List<TcpConnection>();
        for (int i = 0; i < 4; i++)
        {
            (TcpConnection c, TcpConnection s) = Open(net, listener);
            clients.Add(c);
            servers.Add(s);
        }
        // Everyone but client 2 keeps talking; client 2 said something once, long ago.
        Say(net, clients[2], servers[2]);
        for (int round = 0; round < 3; round++)
        {
            Wait(net, Second);
            foreach (int i in new[] { 0, 1, 3 }) Say(net, clients[i], servers[i]);
        }
        Wait(net, Second / 2);

        (TcpConnection newcomer, TcpConnection newServer) = Open(net, listener);
        Assert.Equal(TcpState.Established, newServer.State);
        Assert.Equal(TcpError.Evicted, servers[2].Error);
        net.RunUntil(() => clients[2].State == TcpState.Closed, 10_000);
        Assert.Equal(TcpError.Reset, clients[2].Error);
        foreach (int i in new[] { 0, 1, 3 }) Assert.Equal(TcpState.Established, servers[i].State);
        Assert.Equal(1, net.B.Tcp.Counters.EvictedIdle);
        Assert.Equal(1, net.B.Tcp.Counters.SynCookiesValidated); // the full table answered with a cookie
        Say(net, newcomer, newServer);
    }

    [Fact]
    public void With_the_table_full_of_connections_that_all_made_progress_recently_the_newcomer_is_refused_and_nobody_evicted()
    {
        var config = new TcpConfig { MaxConnections = 3, EvictIdleAfterNanoseconds = 10 * Second };
        using var net = new TwoStacks(tcpB: config);
        TcpListener listener = net.B.Tcp.Listen(80, 8);
        var servers = new List<TcpConnection>();
        for (int i = 0; i < 3; i++) servers.Add(Open(net, listener).Server);
        TcpConnection late = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        net.RunUntil(() => net.B.Tcp.Counters.RefusedPerSource + net.B.Tcp.Counters.RefusedTableFull > 0, 100_000);
        Assert.Equal(1, net.B.Tcp.Counters.RefusedTableFull);
        Assert.Equal(0, net.B.Tcp.Counters.EvictedIdle);
        Assert.All(servers, s => Assert.Equal(TcpState.Established, s.State));
        Assert.Null(listener.Accept());
        late.Abort();
    }

    [Fact]
    public void An_address_over_its_share_gives_way_with_its_own_stalled_connection_while_other_addresses_still_get_in()
    {
        var config = new TcpConfig { MaxConnectionsPerSource = 2, EvictIdleAfterNanoseconds = Second };
        using var net = new TwoStacks(tcpB: config);
        TcpListener listener = net.B.Tcp.Listen(80, 8);
        (TcpConnection c0, TcpConnection s0) = Open(net, listener);
        Wait(net, Second / 2);
        (TcpConnection c1, TcpConnection s1) = Open(net, listener);
        Wait(net, 2 * Second);
        Say(net, c1, s1);

        // A's third connection: A holds its share, so A's stalled c0 goes; c1 (just active) stays.
        (_, TcpConnection s2) = Open(net, listener);
        Assert.Equal(TcpError.Evicted, s0.Error);
        Assert.Equal(TcpState.Established, s1.State);
        Assert.Equal(TcpState.Established, s2.State);
        net.RunUntil(() => c0.State == TcpState.Closed, 10_000);

        // Another address is not held to A's share: its SYN gets a half-open connection of its own.
        int halfOpen = net.B.Tcp.HalfOpenCount;
        var other = new Ipv4Address(10, 0, 0, 9);
        var segment = new byte[TcpSegment.HeaderLengthWithMss];
        var syn = new TcpSegment(segment);
        syn.WriteHeader(3333, 80, 1, 0, TcpFlags.Syn, 8192, 1460);
        syn.FillChecksum(other, TwoStacks.AddressB);
        net.B.Tcp.Process(net.Now, other, TwoStacks.AddressB, syn, new LoneStack.Capture());
        Assert.Equal(halfOpen + 1, net.B.Tcp.HalfOpenCount);
        Assert.Equal(0, net.B.Tcp.Counters.RefusedPerSource);
        Assert.Equal(1, net.B.Tcp.Counters.EvictedIdle);
    }

    [Fact]
    public void With_cookies_off_a_full_half_open_table_replaces_a_random_entry_so_new_SYNs_are_still_answered()
    {
        var peer = new LoneStack(new TcpConfig { MaxHalfOpen = 4, SynCookies = false });
        peer.Stack.Listen(80, 8);
        for (int i = 0; i < 10; i++) peer.Syn(new Ipv4Address(198, 51, 100, (byte)(i + 1)), 1024, 1);
        Assert.Equal(4, peer.Stack.HalfOpenCount);
        Assert.Equal(6, peer.Stack.Counters.HalfOpenDropped);
        Assert.Equal(0, peer.Stack.Counters.SynCookiesSent);
        Assert.Equal(10, peer.Sent.Count(s => s.Flags == (TcpFlags.Syn | TcpFlags.Ack)));
    }

    [Fact]
    public void SYNs_from_broadcast_multicast_and_loopback_sources_are_ignored()
    {
        var peer = new LoneStack(new TcpConfig());
        peer.Stack.Listen(80, 8);
        foreach (var bogus in new[] { Ipv4Address.Broadcast, new Ipv4Address(224, 0, 0, 1), new Ipv4Address(127, 0, 0, 1), Ipv4Address.Any })
            peer.Send(bogus, 1024, 1, 0, TcpFlags.Syn);
        peer.Dispatch();
        Assert.Empty(peer.Sent);
        Assert.Equal(4, peer.Stack.Counters.IgnoredBogusSource);
    }

    [Fact]
    public void The_stats_line_names_each_counter_with_its_value()
    {
        var peer = new LoneStack(new TcpConfig { MaxHalfOpen = 0 });
        peer.Stack.Listen(80, 8);
        peer.Syn(new Ipv4Address(192, 0, 2, 1), 1000, 1);
        peer.Syn(new Ipv4Address(192, 0, 2, 2), 1000, 1);
        string line = StatsLine.Format(peer.Stack);
        Assert.StartsWith("summoner: stats tcp conns=0 halfopen=0 ", line);
        Assert.Contains(" cookies.sent=2 cookies.ok=0 cookies.bad=0 ", line);
        Assert.Matches(@"^summoner: stats tcp( [a-z.]+=\d+)+$", line);
    }

    // ------------------------------------------------------------------ helpers

    private static (TcpConnection Client, TcpConnection Server) Open(TwoStacks net, TcpListener listener)
    {
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        TcpConnection? server = null;
        net.RunUntil(() => (server ??= listener.Accept()) is not null && client.State == TcpState.Established, 100_000);
        return (client, server!);
    }

    /// <summary>A short exchange each way, so both sides see progress.</summary>
    private static void Say(TwoStacks net, TcpConnection client, TcpConnection server)
    {
        var buffer = new byte[64];
        Assert.Equal(5, client.Write("hello"u8));
        net.RunUntil(() => server.BytesAvailable == 5, 10_000);
        server.Read(buffer);
        Assert.Equal(3, server.Write("hi!"u8));
        net.RunUntil(() => client.BytesAvailable == 3 && server.BytesUnacknowledged == 0, 10_000);
        client.Read(buffer);
    }

    private static void Wait(TwoStacks net, long nanoseconds)
    {
        long until = net.Now + nanoseconds;
        net.RunUntil(() => net.Now >= until, 1_000_000);
    }

    internal readonly record struct Captured(Ipv4Address Destination, TcpFlags Flags, uint SequenceNumber, uint AcknowledgmentNumber, byte[] Payload);

    /// <summary>A TCP stack with nothing below it: segments go in by hand, what it sends is captured.</summary>
    internal sealed class LoneStack(TcpConfig config)
    {
        public TcpStack Stack { get; } = new(config, 0x5EED, 1500);
        public Capture Output { get; } = new();
        public List<Captured> Sent => Output.Sent;
        public long Now { get; set; } = 1_000 * Second;

        /// <summary>Sends a SYN and returns the SYN-ACK it got (stateful or cookie).</summary>
        public Captured Syn(Ipv4Address from, ushort port, uint isn, int mss = 1460)
        {
            int before = Sent.Count;
            Send(from, port, isn, 0, TcpFlags.Syn, mss: mss);
            Dispatch();
            return Assert.Single(Sent.Skip(before), s => s.Destination == from && s.Flags == (TcpFlags.Syn | TcpFlags.Ack));
        }

        public void Send(Ipv4Address from, ushort port, uint seq, uint ack, TcpFlags flags, byte[]? data = null, int mss = 0)
        {
            data ??= [];
            int header = mss != 0 ? TcpSegment.HeaderLengthWithMss : TcpSegment.MinHeaderLength;
            var bytes = new byte[header + data.Length];
            var seg = new TcpSegment(bytes);
            seg.WriteHeader(port, 80, seq, ack, flags, 65535, mss);
            data.CopyTo(bytes, header);
            seg.FillChecksum(from, Server);
            Assert.True(TcpSegment.TryParse(bytes, from, Server, out TcpSegment parsed));
            Stack.Process(Now, from, Server, parsed, Output);
        }

        public void Dispatch() => Stack.Dispatch(Now, Output);

        internal sealed class Capture : IIpv4Output
        {
            private readonly byte[] _buffer = new byte[1480];
            public List<Captured> Sent { get; } = [];
            public Span<byte> PayloadBuffer => _buffer;

            public bool Send(Ipv4Address destination, byte protocol, int payloadLength)
            {
                var seg = new TcpSegment(_buffer.AsSpan(0, payloadLength));
                Sent.Add(new Captured(destination, seg.Flags, seg.SequenceNumber, seg.AcknowledgmentNumber, seg.Payload.ToArray()));
                return true;
            }
        }
    }
}
