using System.Text.RegularExpressions;
using Summoner.Testing;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// The issue's real-peer tests: a guest on a tap, on a bridge, in a network namespace the test
/// creates and removes; Linux's own stack talks to it from inside the namespace (ping, curl,
/// parallel connections, nmap, a 10 MiB echo compared byte for byte, then the same under netem).
/// </summary>
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class GuestTapTests
{
    internal const string GuestAddress = "10.78.0.2";
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);

    internal static (NetworkNamespace Ns, RunningGuest Guest) Start(string image, int port, string extraCommandLine = "")
    {
        var ns = NetworkNamespace.Create("10.78.0.1/24");
        try
        {
            var guest = new RunningGuest(RepoPaths.Image(image), $"ip={GuestAddress}/24 gw=10.78.0.1 port={port} {extraCommandLine}".TrimEnd(),
                ["-netdev", "tap,id=n0,ifname=ktap0,script=no,downscript=no", "-device", "virtio-net-device,netdev=n0,mac=52:54:00:78:00:02"], ns.Name);
            try
            {
                ns.AttachTap("ktap0", TimeSpan.FromSeconds(30));
                return (ns, guest);
            }
            catch
            {
                guest.Dispose();
                throw;
            }
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task Hello_on_a_tap_answers_ping_curl_100_parallel_connections_and_survives_an_nmap_scan_with_RSTs()
    {
        (NetworkNamespace ns, RunningGuest guest) = Start("hello", 80);
        using (ns)
        using (guest)
        {
            await guest.WaitReadyAsync(Boot);
            (int pingCode, string ping) = ns.TryExec(["ping", "-c", "3", "-i", "0.2", "-W", "5", GuestAddress]);
            Assert.True(pingCode == 0, ping + "\n" + guest.Serial);
            Assert.Contains("3 received", ping);

            string page = ns.Exec("curl", "-s", "-i", "--max-time", "20", $"http://{GuestAddress}/");
            Assert.StartsWith("HTTP/1.1 200 OK", page);
            Assert.Contains("<h1>hello</h1>", page);

            string codes = ns.Exec("sh", "-c", $"seq 1 100 | xargs -P 100 -I{{}} curl -s -o /dev/null --max-time 60 -w '%{{http_code}}\\n' http://{GuestAddress}/");
            Assert.Equal(100, codes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(c => c == "200"));

            string scan = ns.Exec(TimeSpan.FromMinutes(4), "nmap", "-n", "-Pn", "-sS", "-p", "1-1024", "--max-retries", "1", GuestAddress);
            Assert.Matches(@"80/tcp\s+open", scan);
            // nmap reports a port "closed" only when it got a RST back (no answer would be "filtered").
            Assert.Matches(new Regex(@"Not shown: 1023 closed"), scan);

            string after = ns.Exec("curl", "-s", "-o", "/dev/null", "--max-time", "20", "-w", "%{http_code}", $"http://{GuestAddress}/");
            Assert.Equal("200", after);
        }
    }

    [Fact]
    public async Task Echo_on_a_tap_returns_10_MiB_byte_exact()
    {
        (NetworkNamespace ns, RunningGuest guest) = Start("echo", 7);
        using (ns)
        using (guest)
        {
            await guest.WaitReadyAsync(Boot);
            string result = RunEchoClient(ns, guest);
            Assert.Contains("identical", result);
        }
    }

    /// <summary>The issue asks for netem (loss 5%, reorder 10%) on the tap. This machine's kernel has
    /// no sch_netem ("Specified qdisc kind is unknown"), so then the same rates are injected inside
    /// the guest into what its NIC receives, the direction netem on the tap would damage (faults=
    /// on the command line, phy/FaultInjector).</summary>
    [Fact]
    public async Task Echo_on_a_tap_returns_10_MiB_byte_exact_with_5_percent_loss_and_10_percent_reordering()
    {
        (NetworkNamespace ns, RunningGuest guest) = Start("echo", 7);
        bool netem;
        using (ns)
        using (guest)
        {
            await guest.WaitReadyAsync(Boot);
            netem = ns.TryExec(["tc", "qdisc", "add", "dev", "ktap0", "root", "netem", "loss", "5%", "delay", "1ms", "reorder", "10%"]).ExitCode == 0;
            if (netem) Assert.Contains("identical", RunEchoClient(ns, guest));
        }
        if (netem) return;
        (ns, guest) = Start("echo", 7, "faults=drop:5,reorder:10");
        using (ns)
        using (guest)
        {
            await guest.WaitReadyAsync(Boot);
            Assert.Contains("injecting faults into received frames", guest.Serial);
            Assert.Contains("identical", RunEchoClient(ns, guest));
        }
    }

    private static string RunEchoClient(NetworkNamespace ns, RunningGuest guest)
    {
        string script = Path.Combine(Path.GetTempPath(), $"knet-echo-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        File.WriteAllText(script, EchoClient);
        try
        {
            (int code, string output) = ns.TryExec(["python3", script, GuestAddress, "7", (10 << 20).ToString()], TimeSpan.FromMinutes(6));
            Assert.True(code == 0, output + "\n" + guest.Serial);
            return output;
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Sends N random bytes, half-closes, reads everything back and compares.</summary>
    private const string EchoClient = """
        import hashlib, os, socket, sys, threading, time
        host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        data = os.urandom(n)
        s = socket.create_connection((host, port), timeout=60)
        def send():
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        t = threading.Thread(target=send); t0 = time.time(); t.start()
        got = bytearray()
        while True:
            d = s.recv(1 << 16)
            if not d: break
            got += d
        t.join()
        dt = time.time() - t0
        ok = hashlib.sha256(got).digest() == hashlib.sha256(data).digest() and len(got) == n
        print(("identical" if ok else "DIFFERENT"), len(got), "bytes in %.2f s (%.2f MiB/s)" % (dt, n / dt / 1048576))
        sys.exit(0 if ok else 1)
        """;
}
