using System.Text;
using System.Text.Json;
using Kernel.Net.App;
using Kernel.Net.Sockets;
using Notes;
using Summoner.Testing;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>apps/notes, the JSON API example: over the in-memory link (every route and error), its
/// JSON helper against .NET's own reader and writer, and once really booted under QEMU with curl.</summary>
[Trait("Category", "unit")]
public class NotesServiceTests
{
    private sealed class Machine(TwoStacks net, params string[] settings) : IMachine
    {
        public long NowNanoseconds => net.Now;
        public void WaitUntil(long deadline) { }
        public string? Setting(string key) => settings.Select(s => s.Split('=', 2)).Where(p => p[0] == key).Select(p => p[1]).FirstOrDefault();
        public void Log(string line) { }
    }

    /// <summary>One request on a fresh connection (Connection: close); returns status line, headers and body.</summary>
    private static (int Status, string Head, string Body) Request(TwoStacks net, StackServiceHost host, string method, string path, string? body = null)
    {
        TcpConnection client = net.A.Tcp.Connect(net.Now, TwoStacks.AddressA, TwoStacks.AddressB, 80)!;
        byte[] content = Encoding.UTF8.GetBytes(body ?? "");
        byte[] bytes = [.. Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: notes\r\nConnection: close\r\nContent-Length: {content.Length}\r\n\r\n"), .. content];
        int sent = 0;
        var got = new MemoryStream();
        var buffer = new byte[8192];
        for (int i = 0; i < 400_000; i++)
        {
            host.RunOnce(wait: false);
            net.A.Poll(net.Now);
            if (sent < bytes.Length && client.State == TcpState.Established) sent += Math.Max(0, client.Write(bytes.AsSpan(sent)));
            int n;
            while ((n = client.Read(buffer)) > 0) got.Write(buffer, 0, n);
            if (n < 0) break;
            net.AdvanceClock();
        }
        string text = Encoding.UTF8.GetString(got.ToArray());
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no response: " + text);
        return (int.Parse(text.AsSpan(9, 3)), text[..split], text[(split + 4)..]);
    }

    private static (TwoStacks, StackServiceHost) Start(params string[] settings)
    {
        var net = new TwoStacks(seed: 11);
        var host = new StackServiceHost(net.B, new Machine(net, ["port=80", .. settings]));
        NotesService.Start(host);
        return (net, host);
    }

    [Fact]
    public void Upstream_without_a_setting_is_a_404_and_an_unreachable_upstream_is_a_502_with_the_reason()
    {
        (TwoStacks net, StackServiceHost host) = Start();
        (int status, _, string body) = Request(net, host, "GET", "/upstream");
        Assert.Equal(404, status);
        Assert.Equal("no upstream: set upstream=HOST:PORT", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());

        // With egress_port and no broker attached the connect runs into its deadline and says why (the serve tests have the broker).
        (net, host) = Start("upstream=hello.summoner.test:80", "egress_port=65000", "connect_timeout_ms=300");
        (status, _, body) = Request(net, host, "GET", "/upstream");
        Assert.Equal(502, status);
        Assert.Contains("broker never connected", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Notes_are_added_listed_read_and_deleted_as_json()
    {
        (TwoStacks net, StackServiceHost host) = Start();
        Assert.Equal("{\"notes\":[]}\n", Request(net, host, "GET", "/notes").Body);

        (int status, string head, string body) = Request(net, host, "POST", "/notes", "{ \"text\" : \"buy \\\"milk\\\"\\n\\u00e9\" }");
        Assert.Equal(201, status);
        Assert.Contains("Location: /notes/1\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/json\r\n", head, StringComparison.Ordinal);
        using (JsonDocument note = JsonDocument.Parse(body))
        {
            Assert.Equal(1, note.RootElement.GetProperty("id").GetInt32());
            Assert.Equal("buy \"milk\"\né", note.RootElement.GetProperty("text").GetString());
        }
        Assert.Equal(201, Request(net, host, "POST", "/notes", "{\"text\":\"second\"}").Status);

        using (JsonDocument list = JsonDocument.Parse(Request(net, host, "GET", "/notes").Body))
            Assert.Equal(["buy \"milk\"\né", "second"], list.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("text").GetString()));
        Assert.Equal(200, Request(net, host, "GET", "/notes/2").Status);
        Assert.Equal(204, Request(net, host, "DELETE", "/notes/1").Status);
        (status, _, body) = Request(net, host, "GET", "/notes/1");
        Assert.Equal(404, status);
        Assert.Equal("no note 1", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        Assert.Equal(404, Request(net, host, "DELETE", "/notes/1").Status);
        Assert.Equal(404, Request(net, host, "GET", "/other").Status);
    }

    [Theory]
    [InlineData("", "expected a JSON object")]
    [InlineData("[\"text\"]", "expected a JSON object")]
    [InlineData("{}", "missing \"text\"")]
    [InlineData("{\"text\": 5}", "\"text\" must be a string")]
    [InlineData("{\"text\": \"a\", \"text\": \"b\"}", "\"text\" appears twice")]
    [InlineData("{\"title\": \"a\"}", "unknown member \"title\"")]
    [InlineData("{\"text\": \"a\"} extra", "unexpected text after the object")]
    [InlineData("{\"text\": \"a\\q\"}", "unknown escape")]
    [InlineData("{\"text\": \"unterminated}", "unterminated string")]
    public void A_bad_body_gets_400_with_a_json_error_saying_what_is_wrong(string body, string expected)
    {
        (TwoStacks net, StackServiceHost host) = Start();
        (int status, _, string reply) = Request(net, host, "POST", "/notes", body);
        Assert.Equal(400, status);
        Assert.StartsWith(expected, JsonDocument.Parse(reply).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_store_answers_503_until_a_note_is_deleted()
    {
        (TwoStacks net, StackServiceHost host) = Start("max_notes=2");
        Assert.Equal(201, Request(net, host, "POST", "/notes", "{\"text\":\"a\"}").Status);
        Assert.Equal(201, Request(net, host, "POST", "/notes", "{\"text\":\"b\"}").Status);
        Assert.Equal(503, Request(net, host, "POST", "/notes", "{\"text\":\"c\"}").Status);
        Assert.Equal(204, Request(net, host, "DELETE", "/notes/1").Status);
        Assert.Equal(201, Request(net, host, "POST", "/notes", "{\"text\":\"c\"}").Status);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("quote \" backslash \\ slash / tab \t newline \n cr \r")]
    [InlineData("control \u0001\u001f and unicode é ✓ 😀")]
    public void Written_strings_read_back_the_same_with_dotnets_json(string value)
    {
        var json = new StringBuilder("{\"text\":");
        Json.WriteString(json, value);
        json.Append('}');
        Assert.Equal(value, JsonDocument.Parse(json.ToString()).RootElement.GetProperty("text").GetString());
        string escapedByDotnet = JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = value });
        Assert.Equal(value, Json.ReadStringMember(Encoding.UTF8.GetBytes(escapedByDotnet), "text", out string? error));
        Assert.Null(error);
    }
}

/// <summary>apps/notes booted under QEMU (TCG, slirp), driven by curl.</summary>
[Trait("Category", "qemu")]
public class NotesGuestTests
{
    [Fact]
    public async Task The_notes_guest_stores_and_lists_a_note_posted_with_curl()
    {
        (RunningGuest guest, int port) = await RunningGuest.StartForwardedAsync(RepoPaths.Image("notes"), "port=80", TimeSpan.FromSeconds(60));
        using (guest)
        {
            string url = $"http://127.0.0.1:{port}/notes";
            var post = await GuestHttpTests.RunAsync(TimeSpan.FromSeconds(30), "curl", "-s", "-w", "\n%{http_code}", "-H", "Content-Type: application/json", "-d", "{\"text\": \"from curl\"}", url);
            Assert.EndsWith("\n201", post.Stdout, StringComparison.Ordinal);
            var list = await GuestHttpTests.RunAsync(TimeSpan.FromSeconds(30), "curl", "-s", url);
            Assert.Equal("from curl", JsonDocument.Parse(list.Stdout).RootElement.GetProperty("notes")[0].GetProperty("text").GetString());
        }
    }
}
