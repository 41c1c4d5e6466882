using System.Security.Cryptography;
using Kernel.Net.Phy;
using Kernel.Net.Sockets;
using Xunit;

namespace Kernel.Net.Tests;

[Trait("Category", "unit")]
public class TcpTransferTests
{
    private const int TenMiB = 10 * 1024 * 1024;

    [Fact]
    public void Handshake_over_a_clean_link_reaches_established_on_both_sides()
    {
        using var net = new TwoStacks();
        TcpListener listener = net.B.Tcp.Listen(80, 8);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        TcpConnection? server = null;
        net.RunUntil(() => (server ??= listener.Accept()) is not null && client.State == TcpState.Established, 10_000);
        Assert.Equal(TcpState.Established, server!.State);
        Assert.Equal(TwoStacks.AddressA, server.RemoteAddress);
        Assert.Equal(client.LocalPort, server.RemotePort);
    }

    [Fact]
    public void A_socket_says_when_a_read_or_a_write_would_do_something_and_when_it_is_gone()
    {
        using var net = new TwoStacks();
        TcpListener listener = net.B.Tcp.Listen(80, 8);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        TcpConnection? server = null;
        net.RunUntil(() => (server ??= listener.Accept()) is not null && client.State == TcpState.Established, 10_000);
        Assert.True(server!.CanWrite);
        Assert.False(server.CanRead); // a Read would return 0
        Assert.Equal(3, client.Write("abc"u8));
        net.RunUntil(() => server.CanRead, 10_000);
        var buffer = new byte[8];
        Assert.Equal(3, server.Read(buffer));
        Assert.False(server.CanRead);
        client.Shutdown();
        net.RunUntil(() => server.CanRead, 10_000); // the end of the stream is something to read
        Assert.Equal(-1, server.Read(buffer));
        Assert.True(server.CanWrite); // half closed: this side may still send
        server.Close();
        Assert.False(server.CanWrite);
        client.Abort();
        net.RunUntil(() => client.IsClosed && server.IsClosed, 10_000);
    }

    [Fact]
    public void Ten_MiB_each_way_arrive_byte_exact_over_a_clean_link()
    {
        using var net = new TwoStacks();
        Transfer(net, TenMiB, seed: 3);
    }

    [Fact]
    public void Ten_MiB_each_way_arrive_byte_exact_with_10_percent_loss_duplication_and_reordering()
    {
        var faults = new FaultRates { DropPerMillion = 100_000, DuplicatePerMillion = 20_000, ReorderPerMillion = 20_000, CorruptPerMillion = 5_000 };
        using var net = new TwoStacks(faults, seed: 42);
        (TcpConnection client, TcpConnection server) = Transfer(net, TenMiB, seed: 4);
        Assert.True(net.FaultsA!.Dropped > 1000 && net.FaultsB!.Dropped > 100, $"faults were not exercised: {net.FaultsA.Dropped}/{net.FaultsB!.Dropped}");
        Assert.True(client.Retransmissions > 0 && server.Retransmissions > 0);
    }

    /// <summary>Both sides write <paramref name="bytes"/> pseudo-random bytes and read the other's,
    /// then close; returns the connections after both reached CLOSED or TIME-WAIT.</summary>
    internal static (TcpConnection Client, TcpConnection Server) Transfer(TwoStacks net, int bytes, int seed)
    {
        byte[] fromA = RandomBytes(bytes, seed), fromB = RandomBytes(bytes, seed + 1);
        TcpListener listener = net.B.Tcp.Listen(9000, 8);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 9000)!;
        TcpConnection? server = null;
        var gotA = new MemoryStream();
        var gotB = new MemoryStream();
        int sentA = 0, sentB = 0;
        bool eofA = false, eofB = false, closedA = false, closedB = false;
        var buffer = new byte[16384];
        net.RunUntil(() =>
        {
            server ??= listener.Accept();
            Pump(client, fromA, ref sentA, gotA, ref eofA, ref closedA, buffer);
            if (server is not null) Pump(server, fromB, ref sentB, gotB, ref eofB, ref closedB, buffer);
            return eofA && eofB && IsFinished(client) && server is not null && IsFinished(server);
        }, 5_000_000);
        Assert.Equal(bytes, gotB.Length);
        Assert.Equal(bytes, gotA.Length);
        Assert.Equal(SHA256.HashData(fromA), SHA256.HashData(gotB.ToArray()));
        Assert.Equal(SHA256.HashData(fromB), SHA256.HashData(gotA.ToArray()));
        Assert.Equal(TcpError.None, client.Error);
        Assert.Equal(TcpError.None, server!.Error);
        return (client, server);
    }

    private static bool IsFinished(TcpConnection c) => c.State is TcpState.Closed or TcpState.TimeWait;

    private static void Pump(TcpConnection c, byte[] data, ref int sent, MemoryStream received, ref bool eof, ref bool closed, byte[] buffer)
    {
        if (sent < data.Length)
        {
            int n = c.Write(data.AsSpan(sent));
            if (n > 0) sent += n;
        }
        while (!eof)
        {
            int n = c.Read(buffer);
            if (n > 0) { received.Write(buffer, 0, n); continue; }
            if (n < 0) eof = true;
            break;
        }
        if (sent == data.Length && !closed)
        {
            closed = true;
            c.Shutdown();
        }
        if (eof && closed) c.Close();
    }

    internal static byte[] RandomBytes(int n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

[Trait("Category", "unit")]
public class TcpFlowControlTests
{
    [Fact]
    public void A_reader_that_stops_closes_the_window_the_writer_probes_it_and_resumes_when_reading_restarts()
    {
        using var net = new TwoStacks();
        TcpListener listener = net.B.Tcp.Listen(9000, 8);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 9000)!;
        TcpConnection? server = null;
        net.RunUntil(() => (server ??= listener.Accept()) is not null && client.State == TcpState.Established, 10_000);
        byte[] data = TcpTransferTests.RandomBytes(200_000, 5);
        int sent = 0;
        // Nobody reads on the server: its 32 KiB buffer fills, then the client's, then writes come back short.
        net.RunUntil(() => { sent += client.Write(data.AsSpan(sent)); return client.SendSpace == 0; }, 100_000);
        int stuckAt = sent;
        Assert.True(stuckAt < data.Length, "back-pressure: the writer must be held back");
        long idleUntil = net.Now + 30_000_000_000; // 30 virtual seconds of zero window
        long framesBefore = net.Link.A.FramesSent;
        net.RunUntil(() => net.Now >= idleUntil, 1_000_000);
        Assert.InRange(net.Link.A.FramesSent - framesBefore, 3, 100); // zero-window probes, backed off
        Assert.Equal(TcpState.Established, client.State); // probes kept the connection alive
        Assert.Equal(32 * 1024, server!.BytesAvailable);
        var got = new MemoryStream();
        var buffer = new byte[8192];
        net.RunUntil(() =>
        {
            if (sent < data.Length) sent += client.Write(data.AsSpan(sent));
            int n;
            while ((n = server.Read(buffer)) > 0) got.Write(buffer, 0, n);
            return got.Length == data.Length;
        }, 1_000_000);
        Assert.Equal(data, got.ToArray());
    }

    [Fact]
    public void The_side_that_closes_first_waits_in_TIME_WAIT_for_two_MSL_then_the_connection_is_recycled()
    {
        using var net = new TwoStacks();
        TcpListener listener = net.B.Tcp.Listen(9000, 8);
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 9000)!;
        TcpConnection? server = null;
        net.RunUntil(() => (server ??= listener.Accept()) is not null && client.State == TcpState.Established, 10_000);
        client.Close();
        net.RunUntil(() => server!.Read(new byte[1]) < 0, 10_000);
        server!.Close();
        net.RunUntil(() => client.State == TcpState.TimeWait && server.State == TcpState.Closed, 10_000);
        long closedAt = net.Now;
        net.RunUntil(() => net.A.Tcp.ConnectionCount == 0, 1_000_000);
        Assert.True(net.Now - closedAt >= net.A.Tcp.Config.TimeWaitNanoseconds);
    }

    [Fact]
    public void A_full_connection_table_reclaims_the_oldest_TIME_WAIT_instead_of_refusing_new_clients()
    {
        using var net = new TwoStacks(tcp: new TcpConfig { MaxConnections = 4 });
        TcpListener listener = net.B.Tcp.Listen(80, 4);
        for (int i = 0; i < 10; i++)
        {
            TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
            TcpConnection? server = null;
            net.RunUntil(() => (server ??= listener.Accept()) is not null && client.State == TcpState.Established, 10_000);
            server!.Close(); // the server closes first, so it is the server that waits in TIME-WAIT
            net.RunUntil(() => client.Read(new byte[1]) < 0, 10_000);
            client.Close();
            net.RunUntil(() => server.State == TcpState.TimeWait && client.State == TcpState.Closed, 10_000);
        }
        Assert.Equal(4, net.B.Tcp.ConnectionCount); // four TIME-WAITs: the table never grew past its bound
        Assert.Equal(0, net.B.Tcp.Counters.RefusedTableFull + net.B.Tcp.Counters.RefusedBacklog);
    }
}
