using LocationServer.Core.Routing;

namespace LocationServer.Routing;

/// <summary>
/// Loads PSAP service boundaries (GeoJSON) into the in-memory index at start: from <c>Routing:BoundariesFile</c>,
/// or the demo boundaries when the demo tenant is seeded. A file with any invalid feature stops the start: routing
/// emergency calls on a partial boundary set would be worse than not starting.
/// </summary>
internal static partial class PsapBoundaryLoader
{
    public const string DemoFile = "Demo/psap-boundaries.geojson";

    public static void LoadBoundaries(this WebApplication app)
    {
        var configured = app.Configuration["Routing:BoundariesFile"];
        var embedded = string.IsNullOrEmpty(app.Configuration.GetConnectionString("Postgres"));
        var path = configured ?? (app.Configuration.GetValue("Demo:Seed", embedded) ? Path.Combine(AppContext.BaseDirectory, DemoFile) : null);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LocationServer.Routing.Boundaries");
        if (path is null)
        {
            Log.NoBoundaries(logger);
            return;
        }
        var result = PsapBoundaryImport.FromGeoJson(File.ReadAllText(path), tenantId: null);
        if (!result.IsValid)
            throw new InvalidOperationException($"PSAP boundaries in {path} are invalid: " + string.Join("; ", result.Errors));
        app.Services.GetRequiredService<PsapBoundaryIndexHolder>().Swap(PsapBoundaryIndex.Build(result.Boundaries, 1));
        Log.Loaded(logger, result.Boundaries.Count, path);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Loaded {Count} PSAP boundaries from {Path}")]
        public static partial void Loaded(ILogger logger, int count, string path);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "No PSAP boundaries configured (Routing:BoundariesFile): every 911 call goes to the relay centre")]
        public static partial void NoBoundaries(ILogger logger);
    }
}
