using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Kernel.Net.Hosted;
using Kernel.Net.Http;
using Summoner.Guest.Packing;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// StaticSite over the hosted host (System.Net.Sockets on 127.0.0.1) with real HttpClient requests:
/// every header and status of the static-content handler, on content packed by the SDK's packer.
/// </summary>
[Trait("Category", "unit")]
public sealed class StaticSiteTests : IDisposable
{
    private static readonly DateTime Modified = new(2025, 3, 14, 15, 9, 26, DateTimeKind.Utc);
    private readonly string _root = Directory.CreateTempSubdirectory("summoner-static-").FullName;
    private readonly SocketServiceHost _host;
    private readonly Thread _loop;
    private readonly HttpClient _client;
    private readonly byte[] _css;
    private readonly byte[] _bin;

    public StaticSiteTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "static"));
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        _css = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => $".rule-{i} {{ color: #{i:x6}; margin: {i}px; }}\n")));
        _bin = new byte[70_000];
        new Random(7).NextBytes(_bin); // incompressible: no gzip variant
        File.WriteAllBytes(Path.Combine(_root, "static", "style.css"), _css);
        File.WriteAllBytes(Path.Combine(_root, "data.bin"), _bin);
        File.WriteAllText(Path.Combine(_root, "robots.txt"), "User-agent: *\nDisallow: /\n");
        File.WriteAllText(Path.Combine(_root, ".git", "config"), "secret");
        foreach (string f in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(f, Modified);

        _host = new SocketServiceHost(["bind=127.0.0.1"], new StringWriter());
        var server = new HttpServer(_host);
        StaticSite site = StaticSite.FromDirectory(_root);
        Assert.Equal(3, site.Count); // .git/ is hidden
        site.MapTo(server);
        server.Listen(0);
        _loop = new Thread(_host.Run) { IsBackground = true };
        _loop.Start();
        _client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_host.BoundPorts[0]}"),
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    public void Dispose()
    {
        _client.Dispose();
        _host.RequestStop();
        _loop.Join(5000);
        _host.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        foreach ((string name, string value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await _client.SendAsync(request);
    }

    private static string Etag(byte[] content) => "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"";

    [Fact]
    public async Task Get_sends_type_length_etag_last_modified_and_the_exact_bytes()
    {
        using HttpResponseMessage r = await SendAsync(HttpMethod.Get, "/static/style.css");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/css; charset=utf-8", r.Content.Headers.ContentType!.ToString());
        Assert.Equal(_css.Length, r.Content.Headers.ContentLength);
        Assert.Equal(Etag(_css), r.Headers.ETag!.Tag);
        Assert.False(r.Headers.ETag.IsWeak);
        Assert.Equal(new DateTimeOffset(Modified), r.Content.Headers.LastModified);
        Assert.Equal("bytes", string.Join(",", r.Headers.AcceptRanges));
        Assert.Contains("Accept-Encoding", r.Headers.Vary); // it has a gzip variant
        Assert.Null(r.Content.Headers.ContentEncoding.FirstOrDefault());
        Assert.Equal(_css, await r.Content.ReadAsByteArrayAsync());

        using HttpResponseMessage bin = await SendAsync(HttpMethod.Get, "/data.bin", ("Accept-Encoding", "gzip"));
        Assert.Equal("application/octet-stream", bin.Content.Headers.ContentType!.ToString());
        Assert.Empty(bin.Headers.Vary); // no variant: nothing varies
        Assert.Empty(bin.Content.Headers.ContentEncoding);
        Assert.Equal(_bin, await bin.Content.ReadAsByteArrayAsync());

        using HttpResponseMessage robots = await SendAsync(HttpMethod.Get, "/robots.txt");
        Assert.Equal("text/plain; charset=utf-8", robots.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Head_sends_the_get_headers_and_no_body()
    {
        using HttpResponseMessage r = await SendAsync(HttpMethod.Head, "/data.bin");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(_bin.Length, r.Content.Headers.ContentLength);
        Assert.Equal(Etag(_bin), r.Headers.ETag!.Tag);
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task If_none_match_and_if_modified_since_answer_304_without_a_body()
    {
        string etag = Etag(_css);
        using HttpResponseMessage same = await SendAsync(HttpMethod.Get, "/static/style.css", ("If-None-Match", $"\"nope\", W/{etag}"));
        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Equal(etag, same.Headers.ETag!.Tag);
        Assert.Empty(await same.Content.ReadAsByteArrayAsync());
        using HttpResponseMessage star = await SendAsync(HttpMethod.Get, "/static/style.css", ("If-None-Match", "*"));
        Assert.Equal(HttpStatusCode.NotModified, star.StatusCode);
        using HttpResponseMessage other = await SendAsync(HttpMethod.Get, "/static/style.css", ("If-None-Match", "\"0000000000000000\""));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(_css, await other.Content.ReadAsByteArrayAsync());

        string since = Modified.ToString("R");
        using HttpResponseMessage notModified = await SendAsync(HttpMethod.Get, "/robots.txt", ("If-Modified-Since", since));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        using HttpResponseMessage older = await SendAsync(HttpMethod.Get, "/robots.txt", ("If-Modified-Since", Modified.AddSeconds(-1).ToString("R")));
        Assert.Equal(HttpStatusCode.OK, older.StatusCode);
        using HttpResponseMessage garbage = await SendAsync(HttpMethod.Get, "/robots.txt", ("If-Modified-Since", "yesterday"));
        Assert.Equal(HttpStatusCode.OK, garbage.StatusCode);
        // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
        using HttpResponseMessage both = await SendAsync(HttpMethod.Get, "/robots.txt", ("If-None-Match", "\"other\""), ("If-Modified-Since", since));
        Assert.Equal(HttpStatusCode.OK, both.StatusCode);
    }

    [Theory]
    [InlineData("bytes=0-9", 0, 9)]
    [InlineData("bytes=1000-1999", 1000, 1999)]
    [InlineData("bytes=69990-", 69990, 69999)]
    [InlineData("bytes=-5", 69995, 69999)]
    [InlineData("bytes=69000-90000", 69000, 69999)]
    [InlineData("bytes=-100000", 0, 69999)]
    public async Task A_single_range_answers_206_with_content_range_and_exactly_those_bytes(string range, int first, int last)
    {
        using HttpResponseMessage r = await SendAsync(HttpMethod.Get, "/data.bin", ("Range", range));
        Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
        Assert.Equal($"bytes {first}-{last}/{_bin.Length}", r.Content.Headers.ContentRange!.ToString());
        Assert.Equal(last - first + 1, r.Content.Headers.ContentLength);
        Assert.Equal(_bin[first..(last + 1)], await r.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("bytes=70000-")]
    [InlineData("bytes=80000-80010")]
    [InlineData("bytes=-0")]
    public async Task An_unsatisfiable_range_answers_416_with_the_length(string range)
    {
        using HttpResponseMessage r = await SendAsync(HttpMethod.Get, "/data.bin", ("Range", range));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, r.StatusCode);
        Assert.Equal($"bytes */{_bin.Length}", r.Content.Headers.ContentRange!.ToString());
    }

    [Theory]
    [InlineData("bytes=0-1,5-6")] // several ranges: the whole file (RFC 9110 §14.2 allows ignoring Range)
    [InlineData("items=0-1")]
    [InlineData("bytes=9-3")]
    public async Task A_range_it_does_not_serve_gets_the_whole_file(string range)
    {
        using HttpResponseMessage r = await SendAsync(HttpMethod.Get, "/data.bin", ("Range", range));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(_bin, await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task If_range_with_a_stale_validator_gets_the_whole_file()
    {
        using HttpResponseMessage fresh = await SendAsync(HttpMethod.Get, "/data.bin", ("Range", "bytes=0-3"), ("If-Range", Etag(_bin)));
        Assert.Equal(HttpStatusCode.PartialContent, fresh.StatusCode);
        using HttpResponseMessage freshDate = await SendAsync(HttpMethod.Get, "/data.bin", ("Range", "bytes=0-3"), ("If-Range", Modified.ToString("R")));
        Assert.Equal(HttpStatusCode.PartialContent, freshDate.StatusCode);
        using HttpResponseMessage stale = await SendAsync(HttpMethod.Get, "/data.bin", ("Range", "bytes=0-3"), ("If-Range", "\"0123456789abcdef\""));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(_bin.Length, (await stale.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Gzip_variant_goes_to_clients_that_accept_it_and_decompresses_to_the_file()
    {
        using HttpResponseMessage r = await SendAsync(HttpMethod.Get, "/static/style.css", ("Accept-Encoding", "br;q=1, gzip;q=0.8"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("gzip", Assert.Single(r.Content.Headers.ContentEncoding));
        Assert.Contains("Accept-Encoding", r.Headers.Vary);
        byte[] compressed = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal(compressed.Length, r.Content.Headers.ContentLength);
        Assert.True(compressed.Length < _css.Length / 2, $"gzip {compressed.Length} bytes of {_css.Length}");
        using (var gz = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
        using (var plain = new MemoryStream())
        {
            gz.CopyTo(plain);
            Assert.Equal(_css, plain.ToArray());
        }
        // Its own validator, and a conditional request on it answers 304.
        string gzTag = r.Headers.ETag!.Tag;
        Assert.NotEqual(Etag(_css), gzTag);
        using HttpResponseMessage again = await SendAsync(HttpMethod.Get, "/static/style.css", ("Accept-Encoding", "gzip"), ("If-None-Match", gzTag));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);

        foreach (string refuse in new[] { "gzip;q=0", "identity", "br", "*;q=0" })
        {
            using HttpResponseMessage plainReply = await SendAsync(HttpMethod.Get, "/static/style.css", ("Accept-Encoding", refuse));
            Assert.Empty(plainReply.Content.Headers.ContentEncoding);
            Assert.Equal(_css, await plainReply.Content.ReadAsByteArrayAsync());
        }
        using HttpResponseMessage star = await SendAsync(HttpMethod.Get, "/static/style.css", ("Accept-Encoding", "*"));
        Assert.Equal("gzip", Assert.Single(star.Content.Headers.ContentEncoding));
        // A range is of the identity bytes, even when gzip is accepted.
        using HttpResponseMessage ranged = await SendAsync(HttpMethod.Get, "/static/style.css", ("Accept-Encoding", "gzip"), ("Range", "bytes=0-4"));
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal(_css[..5], await ranged.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Other_methods_get_405_with_allow_and_unknown_paths_404()
    {
        using HttpResponseMessage post = await SendAsync(HttpMethod.Post, "/robots.txt");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));
        using HttpResponseMessage missing = await SendAsync(HttpMethod.Get, "/static/missing.css");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using HttpResponseMessage hidden = await SendAsync(HttpMethod.Get, "/.git/config");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public void Packer_refuses_content_over_the_limit_naming_the_file_and_what_to_do()
    {
        var e = Assert.Throws<StaticPackException>(() => StaticPacker.Pack(_root, 60_000));
        Assert.Contains("data.bin", e.Message);
        Assert.Contains("GuestStaticMaxBytes", e.Message);
        Assert.Contains("summoner.toml", e.Message);
    }

    [Fact]
    public void Http_dates_parse_back_to_the_seconds_they_format()
    {
        foreach (long t in new long[] { 0, 784111777, 951782400, 1767225600, 4102444799 })
        {
            var text = new byte[HttpDate.Length];
            HttpDate.Format(t, text);
            Assert.True(HttpDate.TryParse(text, out long back));
            Assert.Equal(t, back);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(t).ToString("R"), Encoding.ASCII.GetString(text));
        }
        Assert.False(HttpDate.TryParse("Sunday, 06-Nov-94 08:49:37 GMT"u8, out _));
    }
}
