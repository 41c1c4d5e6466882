using System.Net.Sockets;
using System.Text;
using Hello;
using Kernel.Net.Hosted;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>The same hello service in hosted mode, over Linux's TCP on 127.0.0.1.</summary>
[Trait("Category", "unit")]
public sealed class HostedHelloTests : IDisposable
{
    private readonly SocketServiceHost _host;
    private readonly Thread _loop;
    private readonly StringWriter _log = new();

    public HostedHelloTests()
    {
        _host = new SocketServiceHost(["port=0", "name=hosted-demo", "bind=127.0.0.1"], _log);
        HelloService.Start(_host);
        _loop = new Thread(_host.Run) { IsBackground = true };
        _loop.Start();
    }

    private int Port => _host.BoundPorts[0];

    private static string ReadResponse(NetworkStream stream)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        stream.ReadTimeout = 10_000;
        while (true)
        {
            string s = text.ToString();
            int headEnd = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0)
            {
                int at = s.IndexOf("Content-Length: ", StringComparison.Ordinal);
                int length = int.Parse(s[(at + 16)..s.IndexOf('\r', at)]);
                if (s.Length >= headEnd + 4 + length) return s;
            }
            int n = stream.Read(buffer);
            if (n == 0) return text.ToString();
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [Fact]
    public void Hosted_hello_prints_the_readiness_line_and_answers_keep_alive_requests_on_loopback()
    {
        Assert.Matches(@"summoner: ready tcp/\d+ in \d+\.\d ms", _log.ToString());
        using var client = new TcpClient("127.0.0.1", Port);
        NetworkStream stream = client.GetStream();
        for (int i = 0; i < 2; i++)
        {
            stream.Write("GET / HTTP/1.1\r\nHost: hosted-demo\r\n\r\n"u8);
            string reply = ReadResponse(stream);
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply);
            Assert.Contains("<h1>hosted-demo</h1>", reply);
        }
    }

    [Fact]
    public void Hosted_hello_serves_its_wwwroot_packed_at_start_as_the_guest_image_has_it()
    {
        byte[] css = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "wwwroot", "static", "style.css"));
        using var client = new TcpClient("127.0.0.1", Port);
        NetworkStream stream = client.GetStream();
        stream.Write("GET /static/style.css HTTP/1.1\r\nHost: hosted-demo\r\n\r\n"u8);
        string reply = ReadResponse(stream);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply);
        Assert.Contains("Content-Type: text/css; charset=utf-8\r\n", reply);
        Assert.EndsWith("\r\n\r\n" + Encoding.ASCII.GetString(css), reply);
        stream.Write("HEAD /robots.txt HTTP/1.1\r\nHost: hosted-demo\r\n\r\n"u8);
        var head = new byte[1024];
        int n = stream.Read(head);
        Assert.Contains("Content-Type: text/plain; charset=utf-8\r\n", Encoding.ASCII.GetString(head, 0, n));
    }

    [Fact]
    public void Hosted_hello_answers_a_malformed_request_with_400_and_closes()
    {
        using var client = new TcpClient("127.0.0.1", Port);
        NetworkStream stream = client.GetStream();
        stream.Write("BOGUS\r\n\r\n"u8);
        string reply = ReadResponse(stream);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply);
        Assert.Equal(0, stream.Read(new byte[16]));
    }

    public void Dispose()
    {
        _host.RequestStop();
        _loop.Join(TimeSpan.FromSeconds(5));
        _host.Dispose();
    }
}
