using Summoner.Toml;

namespace Summoner.Tests.Toml;

/// <summary>Behaviour the corpus does not pin: positions, messages, and the typed model.</summary>
[Trait("Category", "unit")]
public sealed class TomlReaderTests
{
    [Fact]
    public void Errors_name_the_file_line_and_column_and_what_was_expected()
    {
        var e = Assert.Throws<TomlException>(() => TomlReader.Parse("a = 1\n[dns]\nport 5300\n", "x.toml"));
        Assert.Equal("x.toml", e.File);
        Assert.Equal(new TomlPosition(3, 6), e.Position);
        Assert.Equal("x.toml:3:6: expected '=' after the key 'port', found '5'", e.Message);
    }

    [Fact]
    public void Duplicate_keys_point_at_the_second_one_and_name_the_first()
    {
        var e = Assert.Throws<TomlException>(() => TomlReader.Parse("[s]\nname = 'a'\n  name = 'b'\n", "d.toml"));
        Assert.Equal("d.toml:3:3: duplicate key 'name': already defined at 2:1", e.Message);
    }

    [Fact]
    public void Keys_and_values_remember_where_they_were_written()
    {
        TomlTable root = TomlReader.Parse("# c\n[[service]]\nname = \"hello\"\nports = [80, 8080]\n");
        var services = Assert.IsType<TomlArray>(root["service"]);
        Assert.True(services.IsArrayOfTables);
        var service = Assert.IsType<TomlTable>(services[0]);
        Assert.Equal(new TomlPosition(2, 1), service.Position);
        Assert.Equal(new TomlPosition(3, 1), service.KeyPosition("name"));
        Assert.Equal(new TomlPosition(3, 8), service["name"].Position);
        var ports = Assert.IsType<TomlArray>(service["ports"]);
        Assert.Equal(new TomlPosition(4, 14), ports[1].Position);
        Assert.Equal(8080L, Assert.IsType<TomlInteger>(ports[1]).Value);
    }

    [Fact]
    public void Zero_floats_keep_their_sign()
    {
        TomlTable root = TomlReader.Parse("a = 0.0\nb = +0.0\nc = -0.0\nd = -0e0\ne = +0e00\n");
        foreach ((string key, bool negative) in new[] { ("a", false), ("b", false), ("c", true), ("d", true), ("e", false) })
        {
            double value = Assert.IsType<TomlFloat>(root[key]).Value;
            Assert.Equal(0.0, value);
            Assert.True(double.IsNegative(value) == negative, $"{key} = {value}: expected {(negative ? "-0" : "+0")}");
        }
    }

    [Fact]
    public void Date_times_keep_their_kind_and_offset()
    {
        TomlTable root = TomlReader.Parse("a = 1979-05-27T07:32:00.999999-07:00\nb = 1979-05-27 07:32:00\nc = 1979-05-27\nd = 00:32:00.5\n");
        var a = Assert.IsType<TomlDateTime>(root["a"]);
        Assert.Equal(TomlKind.OffsetDateTime, a.Kind);
        Assert.Equal(new DateTimeOffset(1979, 5, 27, 7, 32, 0, TimeSpan.FromHours(-7)).AddTicks(9_999_990), a.ToDateTimeOffset());
        Assert.Equal("1979-05-27T07:32:00.999999-07:00", a.ToString());
        Assert.Equal(TomlKind.LocalDateTime, root["b"].Kind);
        Assert.Equal("1979-05-27", root["c"].ToString());
        Assert.Equal("00:32:00.5", root["d"].ToString());
    }

    [Fact]
    public void Integers_are_64_bit_and_overflow_is_an_error()
    {
        TomlTable root = TomlReader.Parse("max = 9_223_372_036_854_775_807\nmin = -9223372036854775808\nhex = 0x7FFFFFFFFFFFFFFF\n");
        Assert.Equal(long.MaxValue, ((TomlInteger)root["max"]).Value);
        Assert.Equal(long.MinValue, ((TomlInteger)root["min"]).Value);
        Assert.Equal(long.MaxValue, ((TomlInteger)root["hex"]).Value);
        var e = Assert.Throws<TomlException>(() => TomlReader.Parse("big = 9223372036854775808"));
        Assert.Contains("does not fit in 64 bits", e.Message, StringComparison.Ordinal);
        Assert.Throws<TomlException>(() => TomlReader.Parse("big = 0x8000000000000000"));
    }

    [Fact]
    public void Invalid_utf8_is_rejected_with_its_line()
    {
        byte[] bytes = [.. "a = 1\nb = \""u8, 0xC3, 0x28, .. "\"\n"u8];
        var e = Assert.Throws<TomlException>(() => TomlReader.Parse(bytes, "bad.toml"));
        Assert.Equal(2, e.Line);
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_located_error_not_a_crash()
    {
        var e = Assert.Throws<TomlException>(() => TomlReader.ReadFile("/nonexistent/summoner.toml"));
        Assert.StartsWith("/nonexistent/summoner.toml:1:1: cannot read the file", e.Message, StringComparison.Ordinal);
    }
}
