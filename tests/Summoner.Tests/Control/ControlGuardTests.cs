using System.Net;
using Microsoft.AspNetCore.Http;
using Summoner.Control;

namespace Summoner.Tests.Control;

/// <summary>Who may use the control API: the token's holder, never a web page, never under a foreign Host name.</summary>
[Trait("Category", "unit")]
public sealed class ControlGuardTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("summoner-control-").FullName;
    private readonly ControlToken _token;

    public ControlGuardTests() => _token = ControlToken.Create(Path.Combine(_directory, "control.token"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private int? Status(string host, string? authorization = null, string? origin = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        if (origin is not null) context.Request.Headers.Origin = origin;
        return (ControlEndpoints.Refusal(context.Request, _token, IPAddress.Loopback) as IStatusCodeHttpResult)?.StatusCode;
    }

    [Fact]
    public void The_token_file_is_owner_only_and_holds_what_the_api_accepts()
    {
        string path = Path.Combine(_directory, "control.token");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(_token.Value, ControlToken.Read(path));
        Assert.Null(Status("127.0.0.1:9753", "Bearer " + _token.Value));
        Assert.Null(Status("localhost:9753", "Bearer " + _token.Value));
        Assert.Null(Status("[::1]:9753", "Bearer " + _token.Value));
    }

    [Fact]
    public void Without_the_right_token_the_answer_is_401()
    {
        Assert.Equal(401, Status("127.0.0.1:9753"));
        Assert.Equal(401, Status("127.0.0.1:9753", "Bearer " + new string('0', 64)));
        Assert.Equal(401, Status("127.0.0.1:9753", _token.Value));
    }

    [Fact]
    public void A_browser_context_or_a_rebound_host_name_is_refused_even_with_the_token()
    {
        Assert.Equal(403, Status("127.0.0.1:9753", "Bearer " + _token.Value, origin: "http://evil.example"));
        Assert.Equal(403, Status("evil.example:9753", "Bearer " + _token.Value));
        Assert.Equal(403, Status("10.1.2.3:9753", "Bearer " + _token.Value));
    }

    [Fact]
    public void Logs_of_a_service_never_pick_up_a_longer_named_services_console()
    {
        string dir = Directory.CreateDirectory(Path.Combine(_directory, "consoles")).FullName;
        File.WriteAllText(Path.Combine(dir, "summoner-hello-1.log"), "hello");
        File.SetLastWriteTimeUtc(Path.Combine(dir, "summoner-hello-1.log"), DateTime.UtcNow.AddMinutes(-5));
        File.WriteAllText(Path.Combine(dir, "summoner-hello-api-7.log"), "hello-api");
        Assert.Equal(Path.Combine(dir, "summoner-hello-1.log"), ControlEndpoints.LatestConsole(dir, "summoner-", "hello"));
        Assert.Equal(Path.Combine(dir, "summoner-hello-api-7.log"), ControlEndpoints.LatestConsole(dir, "summoner-", "hello-api"));
        Assert.Null(ControlEndpoints.LatestConsole(dir, "summoner-", "hell"));
    }
}

[Trait("Category", "unit")]
public sealed class GuestNamesTests
{
    [Theory]
    [InlineData("summoner-hello-1", "hello", true)]
    [InlineData("summoner-hello-42", "hello", true)]
    [InlineData("summoner-hello-api-7", "hello", false)]
    [InlineData("summoner-hello-api-7", "hello-api", true)]
    [InlineData("summoner-hello-", "hello", false)]
    [InlineData("summoner-hello", "hello", false)]
    [InlineData("other-hello-1", "hello", false)]
    [InlineData("summoner-hellox-1", "hello", false)]
    public void A_guest_name_belongs_to_exactly_one_service(string guest, string service, bool belongs) =>
        Assert.Equal(belongs, Summoner.Engine.GuestNames.BelongsTo(guest, "summoner-", service));
}
