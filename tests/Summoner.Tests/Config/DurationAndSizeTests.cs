using Summoner.Config;

namespace Summoner.Tests.Config;

[Trait("Category", "unit")]
public sealed class DurationAndSizeTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1d", 86_400_000)]
    [InlineData("0s", 0)]
    public void Durations_parse(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out TimeSpan value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("5 m")]
    [InlineData("-1s")]
    [InlineData("1y")]
    [InlineData("1S")]
    [InlineData("1.2.3s")]
    [InlineData("99999999999999999999d")]
    public void Malformed_durations_are_rejected(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData("1h30m")]
    [InlineData("500ms")]
    [InlineData("1d2h3m4s5ms")]
    public void Durations_format_back_to_what_was_written(string text)
    {
        Assert.True(Duration.TryParse(text, out TimeSpan value));
        Assert.Equal(text, Duration.Format(value));
    }

    [Theory]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("512KiB", 512L << 10)]
    [InlineData("1TiB", 1L << 40)]
    [InlineData("100B", 100)]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("8kB", 8_000)]
    public void Sizes_parse(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out long value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("64")]
    [InlineData("MiB")]
    [InlineData("64mib")]
    [InlineData("1.5GiB")]
    [InlineData("-1MiB")]
    [InlineData("99999999999TiB")]
    public void Malformed_sizes_are_rejected(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Theory]
    [InlineData("hello.summoner.test", null)]
    [InlineData("Hello.Summoner.Test.", null)]
    [InlineData("a..b", "empty label")]
    [InlineData("-a.b", "starts or ends with '-'")]
    [InlineData("a_b.c", "contains '_'")]
    public void Dns_names_are_checked(string name, string? problem)
    {
        string? result = DnsName.Validate(name, out string normalized);
        if (problem is null)
        {
            Assert.Null(result);
            Assert.Equal("hello.summoner.test", normalized);
        }
        else
        {
            Assert.Contains(problem, result, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_label_longer_than_63_is_rejected() =>
        Assert.Contains("longer than 63", DnsName.Validate(new string('a', 64) + ".test", out _), StringComparison.Ordinal);
}
