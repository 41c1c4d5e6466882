using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Kernel.Net.Hosted;
using Kernel.Net.Http;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Kernel.Net.Tests;

/// <summary>
/// Static content built into real guest images, booted under QEMU (TCG, slirp restrict=on, hostfwd
/// on 127.0.0.1) and fetched with curl: hello's wwwroot (304, Range, gzip), and the statictest
/// guest's 10 MiB file, byte-exact, with its throughput against the hosted build in the same run.
/// </summary>
[Trait("Category", "qemu")]
public class GuestStaticTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static Task<(RunningGuest Guest, int Port)> StartAsync(string image, string settings) =>
        RunningGuest.StartForwardedAsync(RepoPaths.Image(image), settings, Boot);

    private static Task<(int Exit, string Stdout, string Stderr)> Curl(params string[] args) => GuestHttpTests.RunAsync(Limit, "curl", ["-sS", "-m", "30", .. args]);

    private static string Header(string head, string name)
    {
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith(name + ": ", StringComparison.OrdinalIgnoreCase)) return line[(name.Length + 2)..];
        }
        throw new Xunit.Sdk.XunitException($"no {name} header in:\n{head}");
    }

    [Fact]
    public async Task Hello_guest_serves_its_wwwroot_with_304_range_and_gzip()
    {
        byte[] css = await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Root, "apps", "hello", "wwwroot", "static", "style.css"));
        (RunningGuest guest, int port) = await StartAsync("hello", "port=80 name=static-demo epoch=1767225600");
        using (guest)
        {
            string url = $"http://127.0.0.1:{port}/static/style.css";
            string dir = Directory.CreateTempSubdirectory("summoner-static-").FullName;
            try
            {
                var get = await Curl("-D", "-", "-o", Path.Combine(dir, "plain"), url);
                Assert.True(get.Exit == 0, get.Stderr);
                Assert.StartsWith("HTTP/1.1 200 OK\r\n", get.Stdout, StringComparison.Ordinal);
                Assert.Equal("text/css; charset=utf-8", Header(get.Stdout, "Content-Type"));
                Assert.Equal(css.Length.ToString(CultureInfo.InvariantCulture), Header(get.Stdout, "Content-Length"));
                Assert.Equal("Accept-Encoding", Header(get.Stdout, "Vary"));
                Assert.EndsWith(" GMT", Header(get.Stdout, "Last-Modified"), StringComparison.Ordinal);
                Assert.Equal(css, await File.ReadAllBytesAsync(Path.Combine(dir, "plain")));
                string etag = Header(get.Stdout, "ETag");
                Assert.Equal("\"" + Convert.ToHexStringLower(SHA256.HashData(css))[..16] + "\"", etag);

                var cached = await Curl("-D", "-", "-o", Path.Combine(dir, "cached"), "-H", "If-None-Match: " + etag, url);
                Assert.StartsWith("HTTP/1.1 304 Not Modified\r\n", cached.Stdout, StringComparison.Ordinal);
                string cachedBody = Path.Combine(dir, "cached"); // curl creates no file for an empty body
                Assert.True(!File.Exists(cachedBody) || new FileInfo(cachedBody).Length == 0);

                var since = await Curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "If-Modified-Since: " + Header(get.Stdout, "Last-Modified"), url);
                Assert.Equal("304", since.Stdout);

                var range = await Curl("-D", "-", "-o", Path.Combine(dir, "range"), "-r", "10-109", url);
                Assert.StartsWith("HTTP/1.1 206 Partial Content\r\n", range.Stdout, StringComparison.Ordinal);
                Assert.Equal($"bytes 10-109/{css.Length}", Header(range.Stdout, "Content-Range"));
                Assert.Equal(css[10..110], await File.ReadAllBytesAsync(Path.Combine(dir, "range")));

                var beyond = await Curl("-o", "/dev/null", "-w", "%{http_code}", "-r", $"{css.Length}-", url);
                Assert.Equal("416", beyond.Stdout);

                // Raw gzip bytes (no --compressed), decompressed here: the variant made at build time.
                var gz = await Curl("-D", "-", "-o", Path.Combine(dir, "gz"), "-H", "Accept-Encoding: gzip", url);
                Assert.Equal("gzip", Header(gz.Stdout, "Content-Encoding"));
                byte[] compressed = await File.ReadAllBytesAsync(Path.Combine(dir, "gz"));
                Assert.True(compressed.Length < css.Length, $"gzip {compressed.Length} of {css.Length} bytes");
                using (var inflate = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
                using (var plain = new MemoryStream())
                {
                    await inflate.CopyToAsync(plain);
                    Assert.Equal(css, plain.ToArray());
                }
                var compressedByCurl = await Curl("--compressed", "-o", Path.Combine(dir, "curl-inflated"), url);
                Assert.True(compressedByCurl.Exit == 0, compressedByCurl.Stderr);
                Assert.Equal(css, await File.ReadAllBytesAsync(Path.Combine(dir, "curl-inflated")));

                var head = await Curl("-I", $"http://127.0.0.1:{port}/robots.txt");
                Assert.StartsWith("HTTP/1.1 200 OK\r\n", head.Stdout, StringComparison.Ordinal);
                Assert.Equal("text/plain; charset=utf-8", Header(head.Stdout, "Content-Type"));

                // The page and /echo are still there.
                var page = await Curl($"http://127.0.0.1:{port}/");
                Assert.Contains("<h1>static-demo</h1>", page.Stdout, StringComparison.Ordinal);
                Assert.Contains("/static/style.css", page.Stdout, StringComparison.Ordinal);
                var echo = await Curl("--data-binary", "ping", $"http://127.0.0.1:{port}/echo");
                Assert.Equal("ping", echo.Stdout);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>The bytes the statictest project generates into its wwwroot/big.bin (xorshift64, seed 1).</summary>
    internal static byte[] TestContent(int length)
    {
        var bytes = new byte[length];
        ulong x = 1;
        for (int i = 0; i < length; i += 8)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for (int k = 0; k < 8 && i + k < length; k++) bytes[i + k] = (byte)(x >> (8 * k));
        }
        return bytes;
    }

    private async Task<double> DownloadAsync(string label, string url, string file, byte[] expected)
    {
        var sw = Stopwatch.StartNew();
        var run = await GuestHttpTests.RunAsync(TimeSpan.FromSeconds(180), "curl", "-sS", "-m", "170", "-o", file, "-w", "%{size_download} %{speed_download}", url);
        sw.Stop();
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(await File.ReadAllBytesAsync(file)));
        double mibps = expected.Length / (1024.0 * 1024.0) / sw.Elapsed.TotalSeconds;
        output.WriteLine($"{label}: {expected.Length} bytes in {sw.Elapsed.TotalSeconds:F2} s = {mibps:F1} MiB/s (curl: {run.Stdout}), sha256 equal");
        return mibps;
    }

    [Fact]
    public async Task A_10_MiB_static_file_downloads_byte_exact_through_the_guest_with_throughput_against_hosted()
    {
        byte[] big = TestContent(10 * 1024 * 1024);
        string dir = Directory.CreateTempSubdirectory("summoner-static-big-").FullName;
        try
        {
            // Same-run baseline: the same file served by the same StaticSite code hosted (Linux TCP, loopback).
            Directory.CreateDirectory(Path.Combine(dir, "root"));
            await File.WriteAllBytesAsync(Path.Combine(dir, "root", "big.bin"), big);
            double hosted;
            using (var host = new SocketServiceHost(["bind=127.0.0.1"], new StringWriter()))
            {
                var server = new HttpServer(host);
                StaticSite.FromDirectory(Path.Combine(dir, "root")).MapTo(server);
                server.Listen(0);
                var loop = new Thread(host.Run) { IsBackground = true };
                loop.Start();
                hosted = await DownloadAsync("hosted", $"http://127.0.0.1:{host.BoundPorts[0]}/big.bin", Path.Combine(dir, "hosted.bin"), big);
                host.RequestStop();
                loop.Join(5000);
            }

            (RunningGuest guest, int port) = await StartAsync("statictest", "port=80");
            using (guest)
            {
                double guestRate = await DownloadAsync("guest (TCG, slirp)", $"http://127.0.0.1:{port}/big.bin", Path.Combine(dir, "guest.bin"), big);
                output.WriteLine($"guest/hosted throughput ratio: {guestRate / hosted:F3}");
                var range = await Curl("-o", Path.Combine(dir, "tail"), "-r", "10485000-", $"http://127.0.0.1:{port}/big.bin");
                Assert.True(range.Exit == 0, range.Stderr);
                Assert.Equal(big[10485000..], await File.ReadAllBytesAsync(Path.Combine(dir, "tail")));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
