using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Summoner.Metrics;

/// <summary>Serves a registry over Kestrel: GET /metrics in the text format 0.0.4.</summary>
public static class MetricsEndpoint
{
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder endpoints, MetricRegistry registry, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(registry);
        return endpoints.MapGet(pattern, async context =>
        {
            context.Response.ContentType = Exposition.ContentType;
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(registry.Render(), context.RequestAborted).ConfigureAwait(false);
        });
    }
}
