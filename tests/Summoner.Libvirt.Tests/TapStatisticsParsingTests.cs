using Xunit;

namespace Summoner.Libvirt.Tests;

[Trait("Category", "unit")]
public sealed class TapStatisticsParsingTests
{
    private const string ProcNetDev = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
          sump7:     120       2    0    0    0     0          0         0     9000     100    0  303    0     0       0          0
        """;

    [Fact]
    public void Tap_counters_are_reported_from_the_guests_side()
    {
        var s = TapStatistics.Parse(ProcNetDev, "sump7");
        Assert.NotNull(s);
        Assert.Equal(9000, s.Value.RxBytes);   // the tap transmitted it: the guest received it
        Assert.Equal(100, s.Value.RxPackets);
        Assert.Equal(303, s.Value.RxDropped);
        Assert.Equal(120, s.Value.TxBytes);
        Assert.Equal(2, s.Value.TxPackets);
    }

    [Fact]
    public void Absent_device_is_null_and_a_prefix_does_not_match()
    {
        Assert.Null(TapStatistics.Parse(ProcNetDev, "sump"));
        Assert.Null(TapStatistics.Parse(ProcNetDev, "eth0"));
    }
}
