using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Summoner.Engine;

namespace Summoner.Control;

/// <summary>
/// The daemon's HTTP surface on the metrics listener: <c>/metrics</c> (Prometheus text),
/// <c>/api/services</c> (JSON), stop and console logs for the CLI's ps/stop/logs.
/// </summary>
public static class ControlEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, SummonEngine engine, Func<string> renderMetrics)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(renderMetrics);

        routes.MapGet("/metrics", () => Results.Text(renderMetrics(), "text/plain; version=0.0.4; charset=utf-8"));

        routes.MapGet("/api/services", () =>
        {
            DateTime now = DateTime.UtcNow;
            ServiceStatus[] rows = [.. engine.Services.OrderBy(s => s.Spec.Name, StringComparer.Ordinal).Select(s => ServiceStatus.Of(s, now))];
            return Results.Json(rows, ControlJsonContext.Default.ServiceStatusArray);
        });

        routes.MapPost("/api/services/{name}/stop", async (string name) =>
        {
            ServiceOwner? owner = engine.Find(name);
            if (owner is null) return Results.NotFound($"no service named '{name}'\n");
            await owner.ReapAsync("stopped by request").ConfigureAwait(false);
            return Results.Json(ServiceStatus.Of(owner, DateTime.UtcNow), ControlJsonContext.Default.ServiceStatus);
        });

        routes.MapGet("/api/services/{name}/logs", (string name) =>
        {
            ServiceOwner? owner = engine.Find(name);
            if (owner is null) return Results.NotFound($"no service named '{name}'\n");
            string path = owner.ConsolePath;
            if (path.Length == 0) path = LatestConsole(engine, name) ?? "";
            if (path.Length == 0 || !File.Exists(path)) return Results.NotFound($"{name} has no console log yet: it has not been summoned\n");
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return Results.Text(reader.ReadToEnd(), "text/plain; charset=utf-8");
        });
    }

    // A reaped service keeps its last console file; show that one.
    private static string? LatestConsole(SummonEngine engine, string name)
    {
        string dir = Path.GetDirectoryName(engine.ConsolePathFor("x"))!;
        if (!Directory.Exists(dir)) return null;
        return new DirectoryInfo(dir).GetFiles(engine.Options.GuestNamePrefix + name + "-*.log")
            .OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()?.FullName;
    }
}
