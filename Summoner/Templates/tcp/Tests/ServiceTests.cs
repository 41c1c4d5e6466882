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
        _host = new SocketServiceHost(["port=0", "GREETING=hi tests"], TextWriter.Null);
        Service.Start(_host);
        _loop = new Thread(_host.Run) { IsBackground = true };
        _loop.Start();
    }

    [Fact]
    public void A_client_is_greeted_and_gets_its_line_back_upper_cased()
    {
        using var client = new TcpClient("127.0.0.1", _host.BoundPorts[0]);
        NetworkStream stream = client.GetStream();
        stream.ReadTimeout = 10_000;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal("hi tests", reader.ReadLine());
        stream.Write("shout\n"u8);
        Assert.Equal("SHOUT", reader.ReadLine());
    }

    public void Dispose()
    {
        _host.RequestStop();
        _loop.Join(5000);
        _host.Dispose();
    }
}
