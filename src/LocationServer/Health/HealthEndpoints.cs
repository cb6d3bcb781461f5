using LocationServer.Core.Matching;
using LocationServer.Data.Storage;

namespace LocationServer.Health;

/// <summary>
/// <c>/health/live</c>: the process serves. <c>/health/ready</c>: the wiremap index is loaded (503 before), with
/// the state of storage reported as <c>degraded</c> without failing readiness: replicas keep answering from the
/// index in force while the database is away.
/// </summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Text("live")).WithTags("Health").WithSummary("Liveness: the process serves requests.");
        app.MapGet("/health/ready", async (WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            var index = holder.Current;
            if (!holder.IsLoaded) return Results.Json(new { status = "starting" }, statusCode: StatusCodes.Status503ServiceUnavailable);
            string storage;
            try
            {
                await store.GetVersionAsync(ct).WaitAsync(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                storage = "ok";
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                storage = "unavailable";
            }
            return Results.Json(new
            {
                status = storage == "ok" ? "ready" : "degraded",
                wiremap = new { version = index.Version, elements = index.ElementCount, tenants = index.Tenants.Count() },
                storage,
            });
        }).WithTags("Health").WithSummary("Readiness: the wiremap index is loaded; dependencies reported.");
        return app;
    }
}
