using LocationServer.Core.Routing;
using Microsoft.Extensions.Options;

namespace LocationServer.Routing;

/// <summary>
/// Loads PSAP service boundaries from <see cref="RoutingOptions.PsapBoundaryFile"/> (GeoJSON, or WKT lines
/// "id|name|sip-uri|POLYGON(...)") at start. A file with any invalid feature stops the start with every error and its
/// feature index: a silently partial boundary set would send calls to the wrong PSAP. Without a file, 911 calls go
/// to the relay centre until another loader swaps boundaries in; that is logged.
/// </summary>
internal sealed partial class PsapBoundaryFileLoader(
    PsapBoundaryIndexHolder holder,
    IOptions<RoutingOptions> options,
    TimeProvider time,
    ILogger<PsapBoundaryFileLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.PsapBoundaryFile;
        if (string.IsNullOrWhiteSpace(path))
        {
            if (holder.Current.Count == 0) Log.NoBoundaries(logger);
            return;
        }
        // A relative path that is not under the working directory is looked up beside the binary (the demo file).
        if (!Path.IsPathRooted(path) && !File.Exists(path)) path = Path.Combine(AppContext.BaseDirectory, path);
        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var result = Load(text);
        if (!result.IsValid)
        {
            throw new InvalidOperationException($"PSAP boundary file {path} has {result.Errors.Count} invalid feature(s): " +
                string.Join("; ", result.Errors.Take(20)));
        }
        holder.Swap(PsapBoundaryIndex.Build(result.Boundaries, time.GetUtcNow().ToUnixTimeMilliseconds()));
        Log.Loaded(logger, result.Boundaries.Count, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Parses GeoJSON (a document starting with '{') or WKT lines "id|name|sip-uri|WKT" (shared boundaries).</summary>
    internal static PsapBoundaryImportResult Load(string text)
    {
        if (text.TrimStart().StartsWith('{')) return PsapBoundaryImport.FromGeoJson(text, null);
        var boundaries = new List<PsapBoundary>();
        var errors = new List<PsapBoundaryError>();
        var index = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('|', 4, StringSplitOptions.TrimEntries);
            if (parts.Length != 4)
            {
                errors.Add(new PsapBoundaryError(index++, null, "expected id|name|sip-uri|WKT"));
                continue;
            }
            var one = PsapBoundaryImport.FromWkt(parts[0], null, parts[1], parts[2], parts[3]);
            boundaries.AddRange(one.Boundaries);
            errors.AddRange(one.Errors.Select(e => e with { Index = index }));
            index++;
        }
        return new PsapBoundaryImportResult(boundaries, errors);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2210, Level = LogLevel.Information, Message = "Loaded {Count} PSAP boundaries from {Path}")]
        public static partial void Loaded(ILogger logger, int count, string path);

        [LoggerMessage(EventId = 2211, Level = LogLevel.Warning, Message = "No PSAP boundaries are loaded (Routing:PsapBoundaryFile is not set): 911 calls go to the relay centre")]
        public static partial void NoBoundaries(ILogger logger);
    }
}
