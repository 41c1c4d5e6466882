using System.Net;
using Summoner.Engine;
using Xunit;

namespace Summoner.Engine.Tests;

[Trait("Category", "unit")]
public sealed class ClientBudgetTests
{
    private static SocketAddress From(string address) => new IPEndPoint(IPAddress.Parse(address), 53000).Serialize();

    [Fact]
    public void A_client_network_spends_its_burst_and_other_networks_keep_theirs()
    {
        var budget = new ClientBudget(2, TimeSpan.FromHours(1), includeLoopback: false);
        Assert.True(budget.TryTake(From("192.0.2.10")));
        Assert.True(budget.TryTake(From("192.0.2.200"))); // same /24
        Assert.False(budget.TryTake(From("192.0.2.7")));
        Assert.False(budget.TryTake(From("::ffff:192.0.2.8"))); // IPv4-mapped is the same client
        Assert.True(budget.TryTake(From("192.0.3.1")));
        Assert.True(budget.TryTake(From("2001:db8:0:1200::1")));
        Assert.True(budget.TryTake(From("2001:db8:0:12ff::2"))); // same /56
        Assert.False(budget.TryTake(From("2001:db8:0:1234::3")));
        Assert.True(budget.TryTake(From("2001:db8:0:1300::1"))); // next /56
    }

    [Fact]
    public void Loopback_is_exempt_unless_asked_and_the_bucket_refills()
    {
        var exempt = new ClientBudget(1, TimeSpan.FromHours(1), includeLoopback: false);
        for (int i = 0; i < 5; i++) Assert.True(exempt.TryTake(From("127.0.0.1")));
        Assert.True(exempt.TryTake(From("::1")));
        Assert.True(exempt.TryTake(null));

        var budgeted = new ClientBudget(1, TimeSpan.FromMilliseconds(50), includeLoopback: true);
        Assert.True(budgeted.TryTake(From("127.0.0.1")));
        Assert.False(budgeted.TryTake(From("127.0.0.2")));
        Thread.Sleep(120);
        Assert.True(budgeted.TryTake(From("127.0.0.1")));
    }
}
