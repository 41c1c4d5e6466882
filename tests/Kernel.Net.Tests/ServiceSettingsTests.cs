using Kernel.Net.App;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>The typed settings API: values, defaults, and errors that name the key but never the value.</summary>
[Trait("Category", "unit")]
public sealed class ServiceSettingsTests
{
    private static ServiceSettings Of(params (string Key, string Value)[] values)
    {
        var d = values.ToDictionary(v => v.Key, v => v.Value);
        return new ServiceSettings(k => d.TryGetValue(k, out string? v) ? v : null);
    }

    [Fact]
    public void Typed_getters_read_values_and_fall_back_only_when_absent()
    {
        ServiceSettings s = Of(("NAME", "web"), ("LIMIT", "-42"), ("ON", "yes"), ("port", "80,443"));
        Assert.Equal("web", s.GetString("NAME"));
        Assert.Equal(-42, s.GetInt("LIMIT"));
        Assert.True(s.GetBool("ON"));
        Assert.False(s.GetBool("OFF", false));
        Assert.Equal(7, s.GetInt("OTHER", 7));
        Assert.Equal(new ushort[] { 80, 443 }, s.GetPorts("port", 8080));
        Assert.Equal(new ushort[] { 8080 }, Of().GetPorts("port", 8080));
    }

    [Fact]
    public void Missing_and_malformed_values_throw_messages_that_name_the_key_not_the_value()
    {
        ServiceSettings s = Of(("LIMIT", "lots-secret"), ("ON", "maybe-secret"), ("port", "80,http"));
        var missing = Assert.Throws<SettingException>(() => s.GetString("TOKEN"));
        Assert.Equal("TOKEN", missing.Key);
        Assert.StartsWith("setting TOKEN is missing: add TOKEN (a string) to the service's [service.env] table", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith("setting LIMIT is not an integer", Assert.Throws<SettingException>(() => s.GetInt("LIMIT", 1)).Message, StringComparison.Ordinal);
        Assert.StartsWith("setting ON is not a boolean", Assert.Throws<SettingException>(() => s.GetBool("ON")).Message, StringComparison.Ordinal);
        Assert.StartsWith("setting port must list ports 1-65535", Assert.Throws<SettingException>(() => s.GetPorts("port", 80)).Message, StringComparison.Ordinal);
        foreach (Func<object> get in new Func<object>[] { () => s.GetInt("LIMIT"), () => s.GetBool("ON") })
            Assert.DoesNotContain("secret", Assert.Throws<SettingException>(get).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_settings_file_parses_lines_and_refuses_bad_lines_and_oversized_files()
    {
        Dictionary<string, string> values = ServiceSettings.ParseFile("GREETING=hi = there\nEMPTY=\nA_1=x"u8);
        Assert.Equal("hi = there", values["GREETING"]);
        Assert.Equal("", values["EMPTY"]);
        Assert.Equal("x", values["A_1"]);
        Assert.Contains("settings line 2 is not KEY=VALUE", Assert.Throws<SettingException>(() => ServiceSettings.ParseFile("A=1\n1B=2"u8)).Message, StringComparison.Ordinal);
        byte[] big = new byte[ServiceSettings.MaxBytes + 1];
        Assert.Contains("more than the 16384", Assert.Throws<SettingException>(() => ServiceSettings.ParseFile(big)).Message, StringComparison.Ordinal);
    }
}
