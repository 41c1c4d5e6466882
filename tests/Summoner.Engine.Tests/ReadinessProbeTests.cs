using System.Net;
using System.Net.Sockets;
using Summoner.Engine;
using Xunit;
using GuestReadinessLine = Kernel.Net.App.ReadinessLine;

namespace Summoner.Engine.Tests;

/// <summary>
/// Readiness reads whole console lines (a port's number is never matched inside a longer one),
/// and the host reads exactly what the guest prints.
/// </summary>
[Trait("Category", "unit")]
public sealed class ReadinessProbeTests
{
    [Fact]
    public void Every_line_the_guest_formats_reads_as_the_same_signal_and_port_on_the_host()
    {
        foreach (ushort port in new ushort[] { 1, 8, 80, 8081, 65535 })
        {
            Assert.Equal((ConsoleSignal.ReadyTcp, (int)port), ReadinessLine.Parse(GuestReadinessLine.Format(port, 12_345_678)));
            Assert.Equal((ConsoleSignal.ReadyUdp, (int)port), ReadinessLine.Parse(GuestReadinessLine.FormatUdp(port, 999)));
            Assert.Equal((ConsoleSignal.AcceptedTcp, (int)port), ReadinessLine.Parse(GuestReadinessLine.FormatAccepted(port)));
            // And what the host's fakes print is what the guest prints.
            Assert.Equal(GuestReadinessLine.FormatAccepted(port), ReadinessLine.AcceptedTcp(port));
            Assert.Equal(GuestReadinessLine.Format(port, 1_000_000), ReadinessLine.ReadyTcp(port));
            Assert.Equal(GuestReadinessLine.FormatUdp(port, 1_000_000), ReadinessLine.ReadyUdp(port));
            Assert.Equal((ConsoleSignal.TunnelTcp, (int)port), ReadinessLine.Parse(GuestReadinessLine.FormatTunnel(port)));
            Assert.Equal(GuestReadinessLine.FormatTunnel(port), ReadinessLine.TunnelTcp(port));
        }
    }

    [Fact]
    public void A_udp_port_bound_before_the_tunnel_listens_marks_an_image_without_the_tunnel()
    {
        // An image built before the tunnel binds its port and prints no tunnel line: no datagram would reach it.
        var old = new ReadinessState([], [53], tunnel: true);
        old.Observe(ReadinessLine.ReadyUdp(53));
        Assert.True(old.MissingTunnel);

        var current = new ReadinessState([], [53], tunnel: true);
        current.Observe(ReadinessLine.TunnelTcp(65001));
        current.Observe(ReadinessLine.ReadyUdp(53));
        Assert.False(current.MissingTunnel);
        Assert.True(current.Listening);

        // Bridge mode's guests get real UDP and no tunnel.
        var bridged = new ReadinessState([], [53], tunnel: false);
        bridged.Observe(ReadinessLine.ReadyUdp(53));
        Assert.False(bridged.MissingTunnel);
    }

    [Fact]
    public void A_line_says_one_thing_and_a_port_inside_a_longer_number_is_not_read()
    {
        Assert.Equal((ConsoleSignal.ReadyTcp, 80), ReadinessLine.Parse("[   0.012] summoner: ready tcp/80 in 1.0 ms"));
        Assert.Equal((ConsoleSignal.None, 0), ReadinessLine.Parse("summoner: ready tcp/80x in 1.0 ms"));
        Assert.Equal((ConsoleSignal.None, 0), ReadinessLine.Parse("summoner: ready tcp/ in 1.0 ms"));
        Assert.Equal((ConsoleSignal.None, 0), ReadinessLine.Parse("summoner: accepted tcp/99999"));
        Assert.Equal((ConsoleSignal.Panic, 0), ReadinessLine.Parse("KERNEL PANIC: page fault at 0x0"));
        Assert.Equal((ConsoleSignal.None, 0), ReadinessLine.Parse("hello from C#"));

        var state = new ReadinessState([8], [53]);
        state.Observe("summoner: ready tcp/80 in 1.0 ms");
        state.Observe("summoner: ready udp/530 in 1.1 ms");
        state.Observe("summoner: accepted tcp/80");
        Assert.False(state.Listening);
        Assert.False(state.Accepted(8));
        state.Observe("summoner: ready tcp/8 in 1.0 ms");
        Assert.False(state.Listening);
        state.Observe("summoner: ready udp/53 in 1.0 ms");
        Assert.True(state.Listening);
        Assert.False(state.Panicked);
    }

    [Fact]
    public async Task The_console_wait_ends_on_the_last_ready_line_and_a_panic_ends_it_with_the_console_tail()
    {
        var console = new ConsoleLines();
        using IConsoleReader reader = console.Read(fromStart: true);
        var state = new ReadinessState([80], [530]);
        console.AppendLine("summoner: ready tcp/80 in 1.0 ms");
        Task<TimeSpan> wait = ReadinessProbe.WaitForConsoleAsync(reader, state, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);
        console.AppendLine("summoner: ready udp/530 in 1.1 ms");
        await wait;

        var panicking = new ConsoleLines();
        using IConsoleReader panicReader = panicking.Read(fromStart: true);
        panicking.AppendLine("booting");
        panicking.Append("PANIC: out of memory\nhalted");
        var e = await Assert.ThrowsAsync<GuestBootException>(() => ReadinessProbe.WaitForConsoleAsync(panicReader, new ReadinessState([80], []), CancellationToken.None));
        Assert.Equal("booting\nPANIC: out of memory\nhalted", e.ConsoleTail);
    }

    [Fact]
    public async Task An_accepted_line_for_port_80_does_not_prove_port_8()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var console = new ConsoleLines();
        using IConsoleReader reader = console.Read(fromStart: true);
        var state = new ReadinessState([port], []);
        // What a guest listening on port*10 would print; the probe connects to port (the listener above).
        console.AppendLine(ReadinessLine.AcceptedTcp(port * 10));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadinessProbe.WaitForTcpAsync(IPAddress.Loopback, [port], reader, state, cts.Token));
        console.AppendLine(ReadinessLine.AcceptedTcp(port));
        using var ok = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await ReadinessProbe.WaitForTcpAsync(IPAddress.Loopback, [port], reader, state, ok.Token);
    }

    [Fact]
    public async Task A_reader_opened_now_skips_what_was_printed_before_and_loses_nothing_to_a_cancelled_read()
    {
        var console = new ConsoleLines();
        console.AppendLine("before the suspend");
        using IConsoleReader old = console.Read(fromStart: true);
        using IConsoleReader fresh = console.Read(fromStart: false);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await fresh.ReadLineAsync(cts.Token));
        console.Append("after the res");
        console.Append("ume\r\n");
        Assert.Equal("after the resume", await fresh.ReadLineAsync(CancellationToken.None));
        Assert.Equal("before the suspend", await old.ReadLineAsync(CancellationToken.None));
        Assert.Equal("after the resume", await old.ReadLineAsync(CancellationToken.None));
    }
}
