using System.Text;
using Kernel.Net.App;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// The guest side of Summoner's egress broker over the in-memory link: host B is the guest (with
/// egress_port), stack A plays the broker with raw TCP connections speaking <see cref="EgressLine"/>.
/// </summary>
[Trait("Category", "unit")]
public class EgressClientTests
{
    private const ushort EgressPort = 65000;
    private const string Token = "0123456789abcdef0123456789abcdef";
    private static readonly string Control = EgressLine.FormatControl(Token);

    private static string Data(int id) => EgressLine.FormatData(id, Token);

    private static (TwoStacks Net, StackServiceHost Host) Boot(params string[] settings)
    {
        var net = new TwoStacks(seed: 3);
        var all = new Dictionary<string, string> { ["egress_port"] = EgressPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ["connect_timeout_ms"] = "2000", ["egress_token"] = Token };
        foreach (string s in settings) all[s.Split('=')[0]] = s.Split('=')[1];
        return (net, new StackServiceHost(net.B, new ServiceOverStackTests.VirtualMachine(net, all)));
    }

    private static void Turn(TwoStacks net, StackServiceHost host)
    {
        host.RunOnce(wait: false);
        net.A.Poll(net.Now);
        net.AdvanceClock();
    }

    private static void RunUntil(TwoStacks net, StackServiceHost host, Func<bool> done, int maxSteps = 200_000)
    {
        for (int i = 0; i < maxSteps && !done(); i++) Turn(net, host);
        Assert.True(done(), $"not done after the step budget ({net.Now / 1_000_000} ms virtual)");
    }

    /// <summary>The result of a task the loop already finished (it runs inline on the host's loop, never blocks).</summary>
    private static T Done<T>(Task<T> task)
    {
        Assert.True(task.IsCompleted);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>The broker's end of one connection to the guest's egress port.</summary>
    private sealed class BrokerEnd
    {
        private readonly StringBuilder _received = new();

        public BrokerEnd(TwoStacks net, StackServiceHost host, string firstLine, string after = "")
        {
            Socket = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, EgressPort)!;
            RunUntil(net, host, () => Socket.State == TcpState.Established);
            Write(firstLine + "\n" + after);
        }

        public TcpConnection Socket { get; }

        public void Write(string text) => Assert.Equal(text.Length, Socket.Write(Encoding.ASCII.GetBytes(text)));

        /// <summary>Everything read so far.</summary>
        public string Received
        {
            get
            {
                var buffer = new byte[4096];
                int n;
                while ((n = Socket.Read(buffer)) > 0) _received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                return _received.ToString();
            }
        }
    }

    [Fact]
    public void A_request_made_before_the_broker_connects_goes_out_on_the_control_channel_and_the_data_connection_becomes_the_apps()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        Assert.NotNull(host.Egress);
        var reply = new byte[64];
        async Task<string> App()
        {
            ConnectResult r = await host.ConnectAsync(DnsResolver.FromSettings(host), "b.summoner.test", 80);
            Assert.True(r.Succeeded, r.Describe("b.summoner.test:80"));
            AsyncConnection c = r.Connection!;
            int n = await c.ReadAsync(reply);
            Assert.True(await c.WriteAsync(Encoding.ASCII.GetBytes("pong")));
            c.Close();
            return Encoding.ASCII.GetString(reply, 0, n);
        }
        Task<string> app = App();
        for (int i = 0; i < 50; i++) Turn(net, host);
        Assert.False(app.IsCompleted, "no broker yet: the request waits");

        var control = new BrokerEnd(net, host, Control);
        RunUntil(net, host, () => control.Received.Contains("connect 1 b.summoner.test 80\n", StringComparison.Ordinal));
        Assert.StartsWith(EgressLine.Ready + "\n", control.Received, StringComparison.Ordinal);

        // The destination's first bytes travel in the same segment as the header line: they must reach the app, not the header parser.
        var data = new BrokerEnd(net, host, Data(1), after: "HELLO");
        RunUntil(net, host, () => app.IsCompleted);
        Assert.Equal("HELLO", Done(app));
        RunUntil(net, host, () => data.Received == "pong");
        Assert.True(host.Egress!.Connected);
    }

    [Fact]
    public void A_refusal_fails_the_connect_with_the_brokers_reason_and_the_next_request_still_works()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        var control = new BrokerEnd(net, host, Control);
        RunUntil(net, host, () => control.Received == EgressLine.Ready + "\n");
        Task<ConnectResult> first = host.ConnectAsync(DnsResolver.FromSettings(host), "evil.example.test", 443);
        RunUntil(net, host, () => control.Received.Contains("connect 1 evil.example.test 443\n", StringComparison.Ordinal));
        control.Write(EgressLine.FormatRefused(1, "egress to evil.example.test:443 is not in service a's egress list: add it to summoner.toml") + "\n");
        RunUntil(net, host, () => first.IsCompleted);
        ConnectResult r = Done(first);
        Assert.False(r.Succeeded);
        Assert.Equal(ConnectError.Refused, r.Error);
        Assert.Equal("egress to evil.example.test:443 is not in service a's egress list: add it to summoner.toml", r.Reason);
        Assert.Contains("not in service a's egress list", r.Describe("evil.example.test:443"), StringComparison.Ordinal);

        // An address goes through the broker too, as its dotted text.
        Task<ConnectResult> second = host.ConnectAsync(new Ipv4Address(127, 0, 0, 1), 9000).AsTask();
        RunUntil(net, host, () => control.Received.Contains("connect 2 127.0.0.1 9000\n", StringComparison.Ordinal));
        _ = new BrokerEnd(net, host, Data(2));
        RunUntil(net, host, () => second.IsCompleted);
        Assert.True(Done(second).Succeeded);
    }

    [Fact]
    public void Without_a_broker_a_connect_times_out_at_its_deadline_and_says_the_broker_never_came()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        Task<ConnectResult> connect = host.ConnectAsync(DnsResolver.FromSettings(host), "b.summoner.test", 80);
        RunUntil(net, host, () => connect.IsCompleted);
        Assert.Equal(ConnectError.TimedOut, Done(connect).Error);
        Assert.Contains("never connected", Done(connect).Reason, StringComparison.Ordinal);
        Assert.InRange(net.Now, 2_000_000_000L, 3_000_000_000L);
    }

    [Fact]
    public void A_data_connection_nobody_asked_for_and_a_stranger_with_another_first_line_are_reset()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        var stray = new BrokerEnd(net, host, Data(7));
        var stranger = new BrokerEnd(net, host, "GET / HTTP/1.1");
        RunUntil(net, host, () => stray.Socket.IsClosed && stranger.Socket.IsClosed);
        Assert.False(host.Egress!.Connected);
    }

    [Fact]
    public void A_local_process_without_the_token_can_neither_take_the_control_channel_nor_answer_a_request()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        var control = new BrokerEnd(net, host, Control);
        Task<ConnectResult> connect = host.ConnectAsync(DnsResolver.FromSettings(host), "b.summoner.test", 80);
        RunUntil(net, host, () => control.Received.Contains("connect 1 ", StringComparison.Ordinal));
        var usurper = new BrokerEnd(net, host, EgressLine.FormatControl("guessed"));
        var forger = new BrokerEnd(net, host, EgressLine.FormatData(1, "guessed"), after: "HTTP/1.0 200 OK\r\n\r\nforged");
        var untokened = new BrokerEnd(net, host, EgressLine.FormatData(1, ""));
        RunUntil(net, host, () => usurper.Socket.IsClosed && forger.Socket.IsClosed && untokened.Socket.IsClosed);
        Assert.False(connect.IsCompleted);
        Assert.False(control.Socket.IsClosed);
        _ = new BrokerEnd(net, host, Data(1));
        RunUntil(net, host, () => connect.IsCompleted);
        Assert.True(Done(connect).Succeeded);
    }

    [Fact]
    public void A_second_control_channel_replaces_the_first_and_carries_the_unanswered_requests_again()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        var first = new BrokerEnd(net, host, Control);
        Task<ConnectResult> connect = host.ConnectAsync(DnsResolver.FromSettings(host), "b.summoner.test", 80);
        RunUntil(net, host, () => first.Received.Contains("connect 1 ", StringComparison.Ordinal));
        var second = new BrokerEnd(net, host, Control);
        RunUntil(net, host, () => second.Received.Contains("connect 1 b.summoner.test 80\n", StringComparison.Ordinal) && first.Socket.IsClosed);
        _ = new BrokerEnd(net, host, Data(1));
        RunUntil(net, host, () => connect.IsCompleted);
        Assert.True(Done(connect).Succeeded);
    }

    [Fact]
    public void Without_egress_port_there_is_no_broker_and_connects_go_out_directly()
    {
        var net = new TwoStacks(seed: 3);
        var host = new StackServiceHost(net.B, new ServiceOverStackTests.VirtualMachine(net, []));
        Assert.Null(host.Egress);
    }

    [Theory]
    [InlineData("connect 1 b.summoner.test 80", true)]
    [InlineData("connect 0 b.summoner.test 80", false)]
    [InlineData("connect 1 b.summoner.test 0", false)]
    [InlineData("connect 1 b.summoner.test 65536", false)]
    [InlineData("connect 1 b summoner 80", false)]
    [InlineData("connect 1 b/x 80", false)]
    [InlineData("connect -1 b 80", false)]
    [InlineData("connect 1 b 80 ", false)]
    public void Connect_lines_parse_only_when_well_formed(string line, bool valid)
    {
        Assert.Equal(valid, EgressLine.TryParseConnect(line, out _, out _, out _));
    }

    [Fact]
    public void Lines_round_trip_and_a_refusal_reason_loses_its_line_breaks_and_fits_the_limit()
    {
        Assert.True(EgressLine.TryParseConnect(EgressLine.FormatConnect(42, "db.summoner.test", 5432)!, out int id, out string h, out ushort p));
        Assert.Equal((42, "db.summoner.test", (ushort)5432), (id, h, p));
        Assert.Null(EgressLine.FormatConnect(1, "bad name", 80));
        Assert.True(EgressLine.TryParseData(EgressLine.FormatData(9, Token), Token, out int data));
        Assert.Equal(9, data);
        Assert.False(EgressLine.TryParseData(EgressLine.FormatData(9, Token), "another", out _));
        Assert.False(EgressLine.TryParseData(EgressLine.FormatData(9, ""), Token, out _));
        Assert.True(EgressLine.TryParseData(EgressLine.FormatData(9, ""), "", out _));
        Assert.True(EgressLine.IsControl(EgressLine.FormatControl(Token), Token));
        Assert.False(EgressLine.IsControl(EgressLine.FormatControl("x"), Token));
        string refused = EgressLine.FormatRefused(3, "line\nbreak " + new string('x', 1000));
        Assert.True(refused.Length < EgressLine.MaxLength);
        Assert.True(EgressLine.TryParseRefused(refused, out int rid, out string reason));
        Assert.Equal(3, rid);
        Assert.StartsWith("line break x", reason, StringComparison.Ordinal);
    }
}
