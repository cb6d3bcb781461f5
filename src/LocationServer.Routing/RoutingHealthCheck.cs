using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LocationServer.Routing;

/// <summary>
/// Whether the routing service can route: the wiremap index is loaded and the routing options (relay centre, test
/// service) are usable. Served as <c>grpc.health.v1.Health</c> SERVING / NOT_SERVING on the gRPC listener, for the
/// server ("") and for <c>locationserver.routing.v1.RoutingService</c>.
/// </summary>
internal sealed class RoutingHealthCheck(WiremapIndexHolder wiremap, IOptionsMonitor<RoutingOptions> options) : IHealthCheck
{
    /// <summary>Name and tag of the check.</summary>
    public const string Name = "routing";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!wiremap.IsLoaded) return Task.FromResult(HealthCheckResult.Unhealthy("the wiremap index is not loaded yet."));
        if (options.CurrentValue.Validate().Any()) return Task.FromResult(HealthCheckResult.Unhealthy("routing is not configured."));
        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
