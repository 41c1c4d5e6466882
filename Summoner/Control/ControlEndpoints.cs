using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Summoner.Engine;
using Summoner.Adapters;

namespace Summoner.Control;

/// <summary>
/// The daemon's HTTP surface on the metrics listener. Open to anyone who reaches it: <c>/metrics</c>
/// (Prometheus text), <c>/healthz</c> (the daemon is alive) and <c>/readyz</c> (DNS serving, libvirt
/// connected). Under <c>/api</c>, what ps/stop/logs/reload use: only with the bearer token from the state
/// directory, never from a browser context (an Origin header) or under a foreign Host name (DNS rebinding).
/// </summary>
public static class ControlEndpoints
{
    /// <param name="reload">Re-reads the configuration file: (applied, report text). Null: no reload endpoint.</param>
    /// <param name="hosts">The [[host]] entries' state; null without hosts (/api/hosts then lists none).</param>
    public static void Map(IEndpointRouteBuilder routes, SummonEngine engine, HostSet? hosts, ControlToken token, IPAddress listenAddress, Func<string> renderMetrics, Func<string?> notReadyReason,
        Func<CancellationToken, Task<(bool Applied, string Report)>>? reload = null)
    {
        Func<string, string?>? hostOf = hosts is null ? null : hosts.HostOf;
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(listenAddress);
        ArgumentNullException.ThrowIfNull(renderMetrics);
        ArgumentNullException.ThrowIfNull(notReadyReason);

        routes.MapGet("/metrics", () => Results.Text(renderMetrics(), "text/plain; version=0.0.4; charset=utf-8"));
        routes.MapGet("/healthz", () => Results.Text("ok\n"));
        routes.MapGet("/readyz", () => notReadyReason() is { } reason
            ? Results.Text(reason + "\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready\n"));

        RouteGroupBuilder api = routes.MapGroup("/api");
        api.AddEndpointFilter(async (context, next) =>
            Refusal(context.HttpContext.Request, token, listenAddress) ?? await next(context).ConfigureAwait(false));

        api.MapGet("/services", () =>
        {
            DateTime now = DateTime.UtcNow;
            ServiceStatus[] rows = [.. engine.Services.OrderBy(s => s.Spec.Name, StringComparer.Ordinal).Select(s => ServiceStatus.Of(s, now, hostOf))];
            return Results.Json(rows, ControlJsonContext.Default.ServiceStatusArray);
        });

        api.MapGet("/hosts", () => Results.Json(hosts is null ? [] : hosts.Hosts.Select(HostRow.Of).ToArray(), ControlJsonContext.Default.HostRowArray));

        api.MapPost("/services/{name}/stop", async (string name) =>
        {
            ServiceOwner? owner = engine.Find(name);
            if (owner is null) return NotFound($"no service named '{name}'\n");
            await owner.ReapAsync(ReapReason.Stopped).ConfigureAwait(false);
            return Results.Json(ServiceStatus.Of(owner, DateTime.UtcNow, hostOf), ControlJsonContext.Default.ServiceStatus);
        });

        if (reload is not null)
        {
            // 422 for a file that does not load: the report says where (file:line:column), nothing changed.
            api.MapPost("/reload", async (CancellationToken ct) =>
            {
                (bool applied, string report) = await reload(ct).ConfigureAwait(false);
                return Results.Text(report, "text/plain; charset=utf-8", statusCode: applied ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
            });
        }

        api.MapGet("/services/{name}/logs", (string name) =>
        {
            ServiceOwner? owner = engine.Find(name);
            if (owner is null) return NotFound($"no service named '{name}'\n");
            string consoles = LibvirtGuestDriver.ConsoleDirectory(engine.Options.StateDirectory);
            string path = owner.GuestName is { } guest ? LibvirtGuestDriver.ConsoleFile(consoles, guest)
                : LatestConsole(consoles, engine.Options.GuestNamePrefix, name) ?? "";
            if (path.Length == 0 || !File.Exists(path)) return NotFound($"{name} has no console log yet: it has not been summoned\n");
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return Results.Text(reader.ReadToEnd(), "text/plain; charset=utf-8");
        });
    }

    /// <summary>
    /// 404 with a plain-text reason, like every other refusal here: <c>Results.NotFound(string)</c>
    /// would send it as a JSON string, which the CLI printed with its quotes and a literal \n.
    /// </summary>
    private static IResult NotFound(string reason) => Results.Text(reason, "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);

    /// <summary>Why a control request is refused, or null to serve it.</summary>
    internal static IResult? Refusal(HttpRequest request, ControlToken token, IPAddress listenAddress)
    {
        // Browsers send Origin with every cross-origin and every POST request; the CLI never does.
        if (request.Headers.Origin.Count > 0)
            return Results.Text("control requests from a web page are refused\n", statusCode: StatusCodes.Status403Forbidden);
        if (!IsOwnHost(request.Host, listenAddress))
            return Results.Text($"control requests must name this host (127.0.0.1, localhost or {listenAddress}), not '{request.Host}'\n", statusCode: StatusCodes.Status403Forbidden);
        string? authorization = request.Headers.Authorization;
        const string Bearer = "Bearer ";
        string? presented = authorization is not null && authorization.StartsWith(Bearer, StringComparison.Ordinal) ? authorization[Bearer.Length..].Trim() : null;
        if (!token.Matches(presented))
            return Results.Text("the control API needs the token from the state directory (control.token): use ./summoner ps | stop | logs | reload\n", statusCode: StatusCodes.Status401Unauthorized);
        return null;
    }

    /// <summary>A DNS-rebinding page reaches us under its own name; only our addresses and localhost are ours.</summary>
    private static bool IsOwnHost(HostString host, IPAddress listenAddress)
    {
        if (!host.HasValue) return false;
        string name = host.Host.Trim('[', ']');
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(name, out var address) && (IPAddress.IsLoopback(address) || address.Equals(listenAddress));
    }

    /// <summary>The newest console file of <paramref name="service"/> (a reaped service keeps its last one) ("hello" must not pick up "hello-api-3.log").</summary>
    internal static string? LatestConsole(string directory, string guestPrefix, string service)
    {
        if (!Directory.Exists(directory)) return null;
        return new DirectoryInfo(directory).GetFiles(guestPrefix + service + "-*.log")
            .Where(f => GuestNames.BelongsTo(f.Name.AsSpan(0, f.Name.Length - ".log".Length), guestPrefix, service))
            .OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()?.FullName;
    }
}
