using LocationServer.Core.Matching;
using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using LocationServer.Routing;

namespace LocationServer.Health;

/// <summary>
/// <c>/health/live</c>: the process serves. <c>/health/ready</c>: every in-memory copy of stored data has completed
/// its first load (503 before): the wiremap index, the endpoint directory (with routing) and the GIS data (when a
/// version is stored). Each dependency is reported by name and state: the index, each loader, the database, Redis
/// (when configured) and the call-record writer. A database or Redis outage is reported as <c>degraded</c> without
/// failing readiness: replicas keep answering from the index in force while either is away.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>How long a dependency may take to answer before it is reported unavailable.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Text("live")).WithTags("Health").WithSummary("Liveness: the process serves requests.");
        app.MapGet("/health/ready", async (WiremapIndexHolder holder, WiremapStore store, IConfiguration configuration, IServiceProvider services, CancellationToken ct) =>
        {
            var index = holder.Current;
            var loaders = services.GetServices<IReloadLoop>().ToList();
            var loaded = holder.IsLoaded && loaders.TrueForAll(l => l.IsLoaded);
            var redis = services.GetService<RedisHealth>();
            var database = ProbeAsync(() => store.GetVersionAsync(ct), ct);
            var redisUp = redis is null ? Task.FromResult(true) : ProbeAsync(redis.PingAsync, ct);
            await Task.WhenAll(database, redisUp).ConfigureAwait(false);
            var writer = services.GetService<CallRecordWriter>();

            var dependencies = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["index"] = holder.IsLoaded
                    ? new { state = "loaded", version = index.Version, elements = index.ElementCount, tenants = index.Tenants.Count() }
                    : new { state = "loading", version = 0L, elements = 0, tenants = 0 },
                ["database"] = new { state = database.Result ? "ok" : "unavailable", provider = StorageSetup.GetProvider(configuration) == StorageProvider.Postgres ? "postgres" : "sqlite" },
            };
            foreach (var loader in loaders)
                if (loader.Name != "wiremap") dependencies[loader.Name] = new { state = loader.IsLoaded ? "loaded" : "loading" };
            if (redis is not null) dependencies["redis"] = new { state = redisUp.Result ? "ok" : "unavailable" };
            if (writer is not null) dependencies["callRecords"] = new { state = writer.Deferring ? "holding" : "writing" };

            var status = !loaded ? "starting" : database.Result && redisUp.Result ? "ready" : "degraded";
            var body = new
            {
                status,
                dependencies,
                wiremap = new { version = index.Version, elements = index.ElementCount, tenants = index.Tenants.Count() },
                storage = database.Result ? "ok" : "unavailable",
            };
            return Results.Json(body, statusCode: loaded ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).WithTags("Health").WithSummary("Readiness: the wiremap index, the endpoint directory and the GIS data have loaded; each dependency reported with its state.");
        return app;
    }

    /// <summary>True when <paramref name="probe"/> completes within <see cref="ProbeTimeout"/>, false when it fails or times out.</summary>
    private static async Task<bool> ProbeAsync<T>(Func<Task<T>> probe, CancellationToken ct)
    {
        try
        {
            var result = await probe().WaitAsync(ProbeTimeout, ct).ConfigureAwait(false);
            return result is not false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
