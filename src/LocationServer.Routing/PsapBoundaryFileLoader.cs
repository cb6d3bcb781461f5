using LocationServer.Core.Routing;
using Microsoft.Extensions.Options;

namespace LocationServer.Routing;

/// <summary>
/// Loads PSAP service boundaries from <see cref="RoutingOptions.PsapBoundaryFile"/> (GeoJSON, or WKT lines
/// "id|name|sip-uri|POLYGON(...)") at start. A file with any invalid feature stops the start with every error and its
/// feature index: a silently partial boundary set would send calls to the wrong PSAP. Without a file, 911 calls go
/// to the relay centre until another loader swaps boundaries in; that is logged. The file is then checked every
/// <see cref="RoutingOptions.PsapBoundaryReloadSeconds"/> (a ConfigMap mounted in Kubernetes is updated in place):
/// a changed file is validated whole and swapped in at once; an invalid one is refused, logged, and the boundaries
/// in force stay until a valid file replaces it.
/// </summary>
internal sealed partial class PsapBoundaryFileLoader(
    PsapBoundaryIndexHolder holder,
    IOptions<RoutingOptions> options,
    TimeProvider time,
    ILogger<PsapBoundaryFileLoader> logger) : BackgroundService
{
    private string? _path;
    private (DateTime Modified, long Length) _loaded;

    /// <summary>The boundaries the file held at start (null without a file): what seeds an empty boundary store.</summary>
    public IReadOnlyList<PsapBoundary>? Loaded { get; private set; }

    /// <summary>
    /// Where a valid changed file goes instead of this node's index: set by <see cref="PsapBoundaryStoreLoader"/>,
    /// which stores it for every node.
    /// </summary>
    public Func<IReadOnlyList<PsapBoundary>, CancellationToken, Task>? Changed { get; set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.PsapBoundaryFile;
        if (string.IsNullOrWhiteSpace(path))
        {
            if (holder.Current.Count == 0) Log.NoBoundaries(logger);
            return;
        }
        // A relative path that is not under the working directory is looked up beside the binary (the demo file).
        if (!Path.IsPathRooted(path) && !File.Exists(path)) path = Path.Combine(AppContext.BaseDirectory, path);
        _path = path;
        var stamp = Stamp(path);
        var result = Load(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        if (!result.IsValid)
        {
            throw new InvalidOperationException($"PSAP boundary file {path} has {result.Errors.Count} invalid feature(s): " +
                string.Join("; ", result.Errors.Take(20)));
        }
        holder.Swap(PsapBoundaryIndex.Build(result.Boundaries, time.GetUtcNow().ToUnixTimeMilliseconds()));
        Loaded = result.Boundaries;
        _loaded = stamp;
        Log.Loaded(logger, result.Boundaries.Count, path);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.PsapBoundaryReloadSeconds;
        if (_path is null || seconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) await ReloadIfChangedAsync(stoppingToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Swaps in the file's boundaries when it changed since the last load (modification time or length) and is
    /// valid; returns whether it did. A missing, unreadable or invalid file changes nothing.
    /// </summary>
    public async Task<bool> ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        if (_path is null) return false;
        try
        {
            var stamp = Stamp(_path);
            if (stamp == _loaded) return false;
            var result = Load(await File.ReadAllTextAsync(_path, cancellationToken).ConfigureAwait(false));
            // Refused or not, this version of the file is not read again until it changes.
            _loaded = stamp;
            if (!result.IsValid)
            {
                Log.ReloadRefused(logger, _path, result.Errors.Count, string.Join("; ", result.Errors.Take(20)));
                return false;
            }
            if (Changed is { } changed) await changed(result.Boundaries, cancellationToken).ConfigureAwait(false);
            else holder.Swap(PsapBoundaryIndex.Build(result.Boundaries, time.GetUtcNow().ToUnixTimeMilliseconds()));
            Log.Reloaded(logger, result.Boundaries.Count, _path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Data.Storage.StorageUnavailableException)
        {
            Log.ReloadFailed(logger, _path, ex);
            return false;
        }
    }

    private static (DateTime Modified, long Length) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

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

        [LoggerMessage(EventId = 2216, Level = LogLevel.Warning, Message = "PSAP boundary file {Path} changed: {Count} boundaries swapped in")]
        public static partial void Reloaded(ILogger logger, int count, string path);

        [LoggerMessage(EventId = 2217, Level = LogLevel.Error, Message = "PSAP boundary file {Path} changed but has {Errors} invalid feature(s); the boundaries in force stay: {Detail}")]
        public static partial void ReloadRefused(ILogger logger, string path, int errors, string detail);

        [LoggerMessage(EventId = 2218, Level = LogLevel.Error, Message = "PSAP boundary file {Path} could not be read; the boundaries in force stay")]
        public static partial void ReloadFailed(ILogger logger, string path, Exception exception);
    }
}
