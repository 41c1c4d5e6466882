using System.Net.Sockets;
using System.Text;
using Kernel.Net.Hosted;
using Xunit;

namespace __NAMESPACE__.Tests;

/// <summary>The service in hosted mode on 127.0.0.1 (port=0 picks a free port).</summary>
public sealed class ServiceTests : IDisposable
{
    private readonly SocketServiceHost _host;
    private readonly Thread _loop;

    public ServiceTests()
    {
        _host = new SocketServiceHost(["port=0", "GREETING=Hi <tests>"], TextWriter.Null);
        Service.Start(_host);
        _loop = new Thread(_host.Run) { IsBackground = true };
        _loop.Start();
    }

    [Fact]
    public void A_request_gets_the_greeting_page()
    {
        string reply = Get("/");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("\r\nDate: ", reply, StringComparison.Ordinal);
        Assert.Contains("<h1>Hi &lt;tests&gt;</h1>", reply, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_in_the_path_is_greeted()
    {
        Assert.Contains("<h1>Hi &lt;tests&gt;, ada</h1>", Get("/hello/ada"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_path_is_not_found()
    {
        Assert.StartsWith("HTTP/1.1 404 ", Get("/nowhere"), StringComparison.Ordinal);
    }

    // One request on its own connection, which the server closes after answering (Connection: close).
    private string Get(string path)
    {
        using var client = new TcpClient("127.0.0.1", _host.BoundPorts[0]);
        NetworkStream stream = client.GetStream();
        stream.ReadTimeout = 10_000;
        stream.Write(Encoding.ASCII.GetBytes("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        _host.RequestStop();
        _loop.Join(5000);
        _host.Dispose();
    }
}
