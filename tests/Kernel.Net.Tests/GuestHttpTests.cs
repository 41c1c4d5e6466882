using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Summoner.Testing;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// apps/hello on the HTTP library, really booted under QEMU (TCG, slirp restrict=on, hostfwd on
/// 127.0.0.1), against real clients (curl, Python's http.client, wrk, h2load --h1) and the
/// hostile-request corpus. Each client and each attack is bounded in count and time.
/// </summary>
[Trait("Category", "qemu")]
public class GuestHttpTests
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);

    private static Task<(RunningGuest Guest, int Port)> StartAsync(string name, params string[] settings) =>
        RunningGuest.StartForwardedAsync(RepoPaths.Image("hello"), $"port=80 name={name} epoch=1767225600 " + string.Join(' ', settings), Boot);

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(TimeSpan limit, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}: run ./summoner setup");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {limit}");
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    private const string PythonClient = """
        import http.client, sys
        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
        c.request("GET", "/")
        r = c.getresponse(); page = r.read().decode()
        assert r.status == 200 and "<h1>py-demo</h1>" in page, (r.status, page)
        assert r.getheader("Date") == None or r.getheader("Date").endswith(" GMT")
        body = bytes(range(256)) * 300
        c.request("POST", "/echo", body=body)
        r = c.getresponse(); assert r.status == 200 and r.read() == body
        c.request("POST", "/echo", body=iter([b"chunk-one,", b"chunk-two"]), encode_chunked=True)
        r = c.getresponse(); assert r.read() == b"chunk-one,chunk-two"
        c.request("HEAD", "/")
        r = c.getresponse(); assert r.status == 200 and int(r.getheader("Content-Length")) == len(page) and r.read() == b""
        c.request("GET", "/missing")
        r = c.getresponse(); assert r.status == 404; r.read()
        c.request("PUT", "/echo", body=b"x")
        r = c.getresponse(); assert r.status == 405 and r.getheader("Allow") == "POST"; r.read()
        print("python ok")
        """;

    [Fact]
    public async Task Hello_guest_serves_curl_python_http_client_wrk_and_h2load()
    {
        (RunningGuest guest, int port) = await StartAsync("py-demo");
        using (guest)
        {
            string url = $"http://127.0.0.1:{port}";
            TimeSpan limit = TimeSpan.FromSeconds(60);

            var page = await RunAsync(limit, "curl", "-sS", "-i", "-m", "20", url + "/", url + "/");
            Assert.Equal(0, page.Exit);
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", page.Stdout, StringComparison.Ordinal);
            Assert.Contains("Date: Thu, 01 Jan 2026 00:0", page.Stdout, StringComparison.Ordinal); // epoch= plus seconds since boot
            Assert.Contains("<h1>py-demo</h1>", page.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"Boot to ready: \d+\.\d ms", page.Stdout);
            var reuse = await RunAsync(limit, "curl", "-sS", "-o", "/dev/null", "-o", "/dev/null", "-m", "20", "-w", "%{num_connects} ", url + "/", url + "/");
            Assert.Equal("1 0 ", reuse.Stdout); // the second request reused the kept-alive connection

            string file = Path.GetTempFileName();
            try
            {
                byte[] data = RandomNumberGenerator.GetBytes(300_000);
                await File.WriteAllBytesAsync(file, data);
                foreach (string[] extra in new[] { Array.Empty<string>(), ["-H", "Transfer-Encoding: chunked"], ["-H", "Expect: 100-continue"] })
                {
                    var echo = await RunAsync(limit, "curl", ["-sS", "-m", "30", "-o", file + ".out", "--data-binary", "@" + file, .. extra, url + "/echo"]);
                    Assert.True(echo.Exit == 0, echo.Stderr);
                    Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(file + ".out")));
                }
            }
            finally
            {
                File.Delete(file);
                File.Delete(file + ".out");
            }
            var head = await RunAsync(limit, "curl", "-sS", "-I", "-m", "20", url + "/");
            Assert.Contains("Content-Length: ", head.Stdout, StringComparison.Ordinal);

            var python = await RunAsync(limit, "python3", "-c", PythonClient, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(python.Exit == 0, python.Stderr);
            Assert.Contains("python ok", python.Stdout, StringComparison.Ordinal);

            var wrk = await RunAsync(limit, "wrk", "-t1", "-c8", "-d3s", "--timeout", "5s", url + "/");
            Assert.Equal(0, wrk.Exit);
            Assert.DoesNotContain("Non-2xx", wrk.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Socket errors", wrk.Stdout, StringComparison.Ordinal);
            double rps = double.Parse(wrk.Stdout.Split('\n').Single(l => l.StartsWith("Requests/sec:", StringComparison.Ordinal))[13..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(rps > 100, wrk.Stdout);

            var h2load = await RunAsync(limit, "h2load", "--h1", "-n", "1000", "-c", "10", url + "/");
            Assert.True(h2load.Exit == 0, h2load.Stdout + h2load.Stderr);
            Assert.Contains("1000 succeeded, 0 failed, 0 errored", h2load.Stdout, StringComparison.Ordinal);
            Assert.Contains("status codes: 1000 2xx", h2load.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Hello_guest_answers_each_hostile_request_with_its_status_and_a_close_within_a_second_plus_load_and_keeps_serving()
    {
        (RunningGuest guest, int port) = await StartAsync("hostile", HostileRequests.ShortDeadlines);
        using (guest)
        {
            var failures = new List<string>();
            foreach (HostileRequests.Case hostile in HostileRequests.All())
            {
                TimeSpan before = HostileRequests.NormalRoundTrip(port);
                using var c = new HttpClientProbe("127.0.0.1", port) { Timeout = TimeSpan.FromSeconds(10) };
                var sw = Stopwatch.StartNew();
                c.Send(hostile.Bytes);
                try
                {
                    HttpReply r = c.Read();
                    bool closed = c.ClosedWithin(TimeSpan.FromSeconds(10));
                    TimeSpan elapsed = sw.Elapsed;
                    // The load is measured on both sides of the case, so a slowdown during it counts too.
                    TimeSpan afterTrip = HostileRequests.NormalRoundTrip(port);
                    TimeSpan allowed = HostileRequests.Allowance(before > afterTrip ? before : afterTrip);
                    if (r.Status != hostile.Status || !closed || elapsed > allowed)
                        failures.Add($"{hostile.Name}: {r.Status} (want {hostile.Status}), closed={closed}, after {elapsed.TotalMilliseconds:F0} ms (allowed {allowed.TotalMilliseconds:F0} ms)");
                }
                catch (Exception e) when (e is InvalidDataException or TimeoutException)
                {
                    failures.Add($"{hostile.Name}: {e.Message}");
                }
            }
            Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n" + guest.Serial);
            using var after = new HttpClientProbe("127.0.0.1", port);
            after.Send("GET / HTTP/1.1\r\nHost: hostile\r\n\r\n");
            HttpReply page = after.Read();
            Assert.Equal(200, page.Status);
            Assert.Contains("<h1>hostile</h1>", page.Text, StringComparison.Ordinal);
        }
    }
}
