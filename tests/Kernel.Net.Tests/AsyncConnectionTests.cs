using Kernel.Net.App;
using Kernel.Net.Phy;
using Kernel.Net.Sockets;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>The awaitable app interface (AsyncConnection, Serve, host Delay) on the bare-metal service host,
/// driven step by step over the in-memory link with a virtual clock.</summary>
[Trait("Category", "unit")]
public sealed class AsyncConnectionTests
{
    private sealed class VirtualMachine(TwoStacks net) : IMachine
    {
        public long NowNanoseconds => net.Now;
        public void WaitUntil(long deadline) { }
        public string? Setting(string key) => null;
        public void Log(string line) { }
    }

    private static void Run(TwoStacks net, StackServiceHost host, Func<bool> done, int maxSteps = 2_000_000)
    {
        for (int i = 0; i < maxSteps && !done(); i++)
        {
            host.RunOnce(wait: false);
            net.A.Poll(net.Now);
            net.AdvanceClock();
        }
        Assert.True(done(), "not done after the step budget");
    }

    // Echo written as one async method: every await either completes at once or is resumed by the
    // host's readiness callbacks, including writes that wait for send-buffer room.
    private static async Task EchoAsync(AsyncConnection connection, List<string> events)
    {
        byte[] buffer = new byte[3000];
        long total = 0;
        while (true)
        {
            int n = await connection.ReadAsync(buffer);
            if (n == 0) break;
            total += n;
            if (!await connection.WriteAsync(buffer.AsMemory(0, n)))
            {
                events.Add("write failed");
                return;
            }
        }
        events.Add("eof after " + total);
        connection.Close();
    }

    [Fact]
    public void An_async_echo_returns_half_a_MiB_byte_exact_over_a_lossy_link()
    {
        var net = new TwoStacks(FaultRates.Percent(3, 1, 2, 0), seed: 21);
        var host = new StackServiceHost(net.B, new VirtualMachine(net));
        var events = new List<string>();
        host.Serve(7, c => EchoAsync(c, events));
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 7)!;
        byte[] data = TcpTransferTests.RandomBytes(512 * 1024, 5);
        var got = new MemoryStream();
        var buffer = new byte[16384];
        int sent = 0;
        bool shut = false;
        Run(net, host, () =>
        {
            if (sent < data.Length) sent += Math.Max(0, client.Write(data.AsSpan(sent)));
            else if (!shut) { shut = true; client.Shutdown(); }
            int n;
            while ((n = client.Read(buffer)) > 0) got.Write(buffer, 0, n);
            return n < 0;
        });
        Assert.Equal(data, got.ToArray());
        Assert.Equal(["eof after " + data.Length], events);
    }

    [Fact]
    public void Closing_a_connection_completes_its_pending_read_with_zero()
    {
        var net = new TwoStacks(seed: 3);
        var host = new StackServiceHost(net.B, new VirtualMachine(net));
        AsyncConnection? server = null;
        int? readResult = null;
        host.Serve(9, async c =>
        {
            server = c;
            readResult = await c.ReadAsync(new byte[16]);
        });
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 9)!;
        Run(net, host, () => server is not null, 10_000);
        Assert.Null(readResult);
        server!.Close();
        Assert.Equal(0, readResult);
        Assert.True(server.IsClosed);
        Run(net, host, () => client.Read(new byte[4]) < 0);
    }

    [Fact]
    public void Host_delay_resumes_on_the_host_loop_after_the_virtual_time_has_passed()
    {
        var net = new TwoStacks(seed: 4);
        var host = new StackServiceHost(net.B, new VirtualMachine(net));
        long start = net.Now;
        long resumedAt = 0;
        async Task SleepAsync()
        {
            bool elapsed = await host.Delay(2_000_000_000L);
            if (elapsed) resumedAt = net.Now;
        }
        Task sleeping = SleepAsync();
        Assert.False(sleeping.IsCompleted);
        Run(net, host, () => sleeping.IsCompleted);
        Assert.InRange(resumedAt - start, 2_000_000_000L, 3_000_000_000L);
    }

    [Fact]
    public void Reading_twice_without_awaiting_is_refused_with_a_clear_error()
    {
        var net = new TwoStacks(seed: 6);
        var host = new StackServiceHost(net.B, new VirtualMachine(net));
        string? error = null;
        host.Serve(11, c =>
        {
            LoopOperation<int> first = c.ReadAsync(new byte[8]);
            try { c.ReadAsync(new byte[8]); }
            catch (InvalidOperationException e) { error = e.Message; }
            c.Close();
            return first.AsTask();
        });
        net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 11);
        Run(net, host, () => error is not null, 10_000);
        Assert.Contains("await it first", error);
    }
}
