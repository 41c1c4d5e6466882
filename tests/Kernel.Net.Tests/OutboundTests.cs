using System.Text;
using Kernel.Net.App;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>Outbound TCP and the DNS stub resolver of the bare-metal host (B) against servers on stack A, over the in-memory link.</summary>
[Trait("Category", "unit")]
public class OutboundTests
{
    private static (TwoStacks Net, StackServiceHost Host) Boot(params string[] settings)
    {
        var net = new TwoStacks(seed: 5);
        var machine = new ServiceOverStackTests.VirtualMachine(net, settings.Select(s => s.Split('=')).ToDictionary(p => p[0], p => p[1]));
        return (net, new StackServiceHost(net.B, machine));
    }

    /// <summary>Turns B's host loop, A's stack and <paramref name="serverTurn"/> until the task ends.</summary>
    private static T Run<T>(TwoStacks net, StackServiceHost host, Task<T> task, Action? serverTurn = null, int maxSteps = 2_000_000)
    {
        for (int i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            host.RunOnce(wait: false);
            net.A.Poll(net.Now);
            serverTurn?.Invoke();
            net.AdvanceClock();
        }
        Assert.True(task.IsCompleted, "not done after the step budget");
        return task.Result;
    }

    private static async Task<ConnectResult> Connect(IServiceHost host, Ipv4Address address, ushort port, long timeout = 0) =>
        await host.ConnectAsync(address, port, timeout);

    [Fact]
    public void ConnectAsync_reaches_a_listener_on_the_other_stack_and_exchanges_bytes_both_ways()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        TcpListener listener = net.A.Tcp.Listen(7000, 8);
        TcpConnection? server = null;
        var echoed = new byte[64];
        async Task<string> Client()
        {
            ConnectResult r = await host.ConnectAsync(TwoStacks.AddressA, 7000);
            Assert.True(r.Succeeded, r.Error.ToString());
            AsyncConnection c = r.Connection!;
            Assert.True(await c.WriteAsync(Encoding.ASCII.GetBytes("ping")));
            int n = await c.ReadAsync(echoed);
            c.Close();
            return Encoding.ASCII.GetString(echoed, 0, n);
        }
        var buffer = new byte[64];
        string reply = Run(net, host, Client(), () =>
        {
            server ??= listener.Accept();
            if (server is null) return;
            int n = server.Read(buffer);
            if (n > 0) server.Write(buffer.AsSpan(0, n).ToArray().Select(b => (byte)char.ToUpperInvariant((char)b)).ToArray());
        });
        Assert.Equal("PING", reply);
    }

    [Fact]
    public void ConnectAsync_to_a_port_nobody_listens_on_fails_as_refused_at_once()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        ConnectResult r = Run(net, host, Connect(host, TwoStacks.AddressA, 7001));
        Assert.False(r.Succeeded);
        Assert.Equal(ConnectError.Refused, r.Error);
        Assert.True(net.Now < 1_000_000_000L, "the RST answers the SYN: no retransmission is waited for");
        Assert.Contains("refused", ConnectResult.Describe(r.Error, "10.0.0.1:7001"), StringComparison.Ordinal);
        Assert.Equal(0, net.B.Tcp.ConnectionCount - net.B.Tcp.Connections.Count(c => c.State == TcpState.Closed));
    }

    [Fact]
    public void ConnectAsync_to_a_silent_address_times_out_at_the_callers_deadline_and_frees_its_slot()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        ConnectResult r = Run(net, host, Connect(host, new Ipv4Address(10, 0, 0, 99), 80, timeout: 3_000_000_000));
        Assert.Equal(ConnectError.TimedOut, r.Error);
        // The virtual clock jumps between the stacks' own deadlines (ARP retries, 1 s apart), not the host's timers:
        // the deadline fires at the first turn after it, long before the SYN budget (63 s) would.
        Assert.InRange(net.Now, 3_000_000_000L, 4_500_000_000L);
        for (int i = 0; i < 100; i++) { host.RunOnce(wait: false); net.AdvanceClock(); }
        Assert.DoesNotContain(net.B.Tcp.Connections, c => c.State == TcpState.SynSent);
    }

    [Fact]
    public void ConnectAsync_takes_its_default_deadline_from_the_connect_timeout_ms_setting()
    {
        (TwoStacks net, StackServiceHost host) = Boot("connect_timeout_ms=1500");
        ConnectResult r = Run(net, host, Connect(host, new Ipv4Address(10, 0, 0, 99), 80));
        Assert.Equal(ConnectError.TimedOut, r.Error);
        Assert.InRange(net.Now, 1_500_000_000L, 3_000_000_000L);
    }

    /// <summary>A fake DNS server on stack A port 53: answers A queries from a table with the given TTL, counts queries,
    /// and stays silent for the first <paramref name="ignoreFirst"/> ones.</summary>
    private sealed class FakeDns(UdpSocket socket, Dictionary<string, Ipv4Address> table, uint ttl, int ignoreFirst = 0)
    {
        public int Queries { get; private set; }

        public void Turn()
        {
            var buffer = new byte[512];
            int n;
            while ((n = socket.ReceiveFrom(buffer, out Ipv4Address from, out ushort port)) >= 0)
            {
                Queries++;
                if (Queries <= ignoreFirst) continue;
                // Question name from the query (labels), then the answer.
                var name = new StringBuilder();
                int at = 12;
                while (buffer[at] != 0) { if (name.Length > 0) name.Append('.'); name.Append(Encoding.ASCII.GetString(buffer, at + 1, buffer[at])); at += 1 + buffer[at]; }
                int questionEnd = at + 5;
                var reply = new List<byte>(buffer.AsSpan(0, questionEnd).ToArray());
                reply[2] = 0x81; // QR, RD
                bool known = table.TryGetValue(name.ToString().ToLowerInvariant(), out Ipv4Address address);
                reply[3] = (byte)(known ? 0x80 : 0x83); // RA, NOERROR or NXDOMAIN
                reply[7] = (byte)(known ? 1 : 0);
                if (known)
                {
                    reply.AddRange([0xC0, 12, 0, 1, 0, 1, (byte)(ttl >> 24), (byte)(ttl >> 16), (byte)(ttl >> 8), (byte)ttl, 0, 4]);
                    var a = new byte[4];
                    address.Write(a);
                    reply.AddRange(a);
                }
                socket.SendTo(from, port, reply.ToArray());
            }
        }
    }

    [Fact]
    public void Resolver_answers_from_the_fake_server_then_from_its_cache_until_the_TTL_runs_out()
    {
        (TwoStacks net, StackServiceHost host) = Boot("dns=10.0.0.1");
        var dns = new FakeDns(net.A.Udp.Bind(53), new() { ["api.summoner.test"] = new Ipv4Address(10, 0, 0, 42) }, ttl: 30);
        var resolver = DnsResolver.FromSettings(host);
        async Task<ResolveResult> Resolve(string name) => await resolver.ResolveAsync(name);
        ResolveResult first = Run(net, host, Resolve("API.summoner.test."), dns.Turn);
        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(new Ipv4Address(10, 0, 0, 42), first.Address);
        Assert.Equal(1, dns.Queries);
        Assert.Equal(new Ipv4Address(10, 0, 0, 42), Run(net, host, Resolve("api.summoner.test"), dns.Turn).Address);
        Assert.Equal(1, dns.Queries); // from the cache
        async Task<bool> Wait() => await host.Delay(31_000_000_000L);
        Run(net, host, Wait(), dns.Turn);
        Assert.True(Run(net, host, Resolve("api.summoner.test"), dns.Turn).Succeeded);
        Assert.Equal(2, dns.Queries); // expired: asked again
    }

    [Fact]
    public void Resolver_reports_no_such_name_and_retries_a_silent_server_before_giving_up()
    {
        (TwoStacks net, StackServiceHost host) = Boot("dns=10.0.0.1", "dns_timeout_ms=500", "dns_retries=2");
        var dns = new FakeDns(net.A.Udp.Bind(53), new() { ["db.summoner.test"] = new Ipv4Address(10, 0, 0, 7) }, ttl: 5, ignoreFirst: 2);
        var resolver = DnsResolver.FromSettings(host);
        async Task<ResolveResult> Resolve(string name) => await resolver.ResolveAsync(name);
        ResolveResult r = Run(net, host, Resolve("db.summoner.test"), dns.Turn);
        Assert.True(r.Succeeded, r.Error);
        Assert.Equal(3, dns.Queries); // two unanswered, the third answered
        Assert.InRange(net.Now, 1_000_000_000L, 1_500_000_000L);
        ResolveResult missing = Run(net, host, Resolve("nope.summoner.test"), dns.Turn);
        Assert.False(missing.Succeeded);
        Assert.Contains("no such name", missing.Error, StringComparison.Ordinal);

        (TwoStacks net2, StackServiceHost host2) = Boot("dns=10.0.0.1", "dns_timeout_ms=500", "dns_retries=1");
        var dead = new FakeDns(net2.A.Udp.Bind(53), [], ttl: 5, ignoreFirst: int.MaxValue);
        var resolver2 = DnsResolver.FromSettings(host2);
        async Task<ResolveResult> Resolve2(string name) => await resolver2.ResolveAsync(name);
        ResolveResult gaveUp = Run(net2, host2, Resolve2("db.summoner.test"), dead.Turn);
        Assert.False(gaveUp.Succeeded);
        Assert.Equal(2, dead.Queries);
        Assert.Contains("after 2 tries", gaveUp.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolver_without_a_dns_setting_and_with_a_bad_name_says_what_to_do()
    {
        (TwoStacks net, StackServiceHost host) = Boot();
        var resolver = DnsResolver.FromSettings(host);
        ResolveResult r = await resolver.ResolveAsync("api.summoner.test");
        Assert.Contains("set dns=", r.Error, StringComparison.Ordinal);
        Assert.Contains("not a host name", (await resolver.ResolveAsync("bad name!")).Error, StringComparison.Ordinal);
        Assert.Equal(new Ipv4Address(10, 0, 0, 5), (await resolver.ResolveAsync("10.0.0.5")).Address);
        _ = net;
    }

    [Fact]
    public void ConnectAsync_by_name_resolves_then_connects_and_an_unknown_name_fails_as_not_resolved()
    {
        (TwoStacks net, StackServiceHost host) = Boot("dns=10.0.0.1");
        var dns = new FakeDns(net.A.Udp.Bind(53), new() { ["peer.summoner.test"] = TwoStacks.AddressA }, ttl: 60);
        TcpListener listener = net.A.Tcp.Listen(8080, 8);
        var resolver = DnsResolver.FromSettings(host);
        ConnectResult ok = Run(net, host, host.ConnectAsync(resolver, "peer.summoner.test", 8080), () => { dns.Turn(); listener.Accept(); });
        Assert.True(ok.Succeeded, ok.Error.ToString());
        ConnectResult bad = Run(net, host, host.ConnectAsync(resolver, "gone.summoner.test", 8080), dns.Turn);
        Assert.Equal(ConnectError.NameNotResolved, bad.Error);
    }
}
