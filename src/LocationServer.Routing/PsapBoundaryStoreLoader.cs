using LocationServer.Core.Routing;
using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using NetTopologySuite.IO;

namespace LocationServer.Routing;

/// <summary>
/// Keeps this node's PSAP boundary index (RouteCall and LoST) on the stored boundary set: at start, on announcements
/// and by polling every <see cref="PollInterval"/>. The boundary file (<c>Routing:PsapBoundaryFile</c>) is the
/// bootstrap: a database that never held boundaries is seeded with the file's at start, and a change of the file while
/// the node runs replaces the stored set (as an administrator's import would); otherwise the stored set, as edited
/// through <c>/admin/psap-boundaries</c>, is what every node routes by.
/// </summary>
internal sealed partial class PsapBoundaryStoreLoader(
    PsapBoundaryIndexHolder holder,
    IServiceProvider services,
    ILogger<PsapBoundaryStoreLoader> logger) : BackgroundService
{
    /// <summary>How often the stored version is polled (announcements usually come first).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Added to stored versions in the index, so a stored set always replaces the file's at start.</summary>
    public const long StoredVersionBase = 1L << 52;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _loaded = -1;

    private PsapBoundaryStore? Store => services.GetService<PsapBoundaryStore>();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Store is not { } store) return;
        var file = services.GetService<PsapBoundaryFileLoader>();
        // A file changed while running replaces the stored set, announced to every node like an admin change.
        if (file is not null)
        {
            file.Changed = async (boundaries, ct) =>
            {
                await store.ReplaceAllAsync([.. boundaries.Select(ToRecord)], onlyWhenEmpty: false, ct).ConfigureAwait(false);
                await ReloadAsync(ct).ConfigureAwait(false);
            };
        }
        await SafeReloadAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = services.GetService<IPsapBoundaryChangeBus>()?.Subscribe(_ => Task.Run(() => SafeReloadAsync(stoppingToken), stoppingToken));
        using var timer = new PeriodicTimer(PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) await SafeReloadAsync(stoppingToken).ConfigureAwait(false);
    }

    /// <summary>Builds and swaps in the stored set when its version differs from the one in force here.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (Store is not { } store) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await store.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            // A database that never held boundaries is seeded with the file's (also when it was migrated after this node started).
            if (stored == 0 && services.GetService<PsapBoundaryFileLoader>()?.Loaded is { Count: > 0 } seed)
            {
                var (seeded, version0) = await store.ReplaceAllAsync([.. seed.Select(ToRecord)], onlyWhenEmpty: true, cancellationToken).ConfigureAwait(false);
                if (seeded) Log.Seeded(logger, seed.Count, version0);
                stored = version0;
            }
            if (stored == _loaded) return;
            var (records, version) = await store.LoadAllAsync(cancellationToken).ConfigureAwait(false);
            var boundaries = new List<PsapBoundary>(records.Count);
            foreach (var record in records)
            {
                var parsed = PsapBoundaryImport.FromWkt(record.Id, record.TenantId, record.Name, record.SipUri, record.Wkt);
                if (parsed.IsValid) boundaries.AddRange(parsed.Boundaries);
                else Log.Skipped(logger, record.Id, string.Join("; ", parsed.Errors));
            }
            // Stored versions rank above the file loader's (its versions are load times in milliseconds, below 2^52).
            holder.Swap(PsapBoundaryIndex.Build(boundaries, StoredVersionBase + version));
            _loaded = version;
            Log.Loaded(logger, boundaries.Count, version);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A boundary as the store keeps it (WKT, x = longitude, y = latitude).</summary>
    public static PsapBoundaryRecord ToRecord(PsapBoundary boundary)
    {
        ArgumentNullException.ThrowIfNull(boundary);
        return new(boundary.Id, boundary.TenantId, boundary.Name, boundary.SipUri, new WKTWriter().Write(boundary.Polygon));
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private async Task SafeReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Unreachable or not migrated yet: the boundaries in force stay, and the next poll tries again.
            Log.ReloadFailed(logger, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5321, Level = LogLevel.Information, Message = "PSAP boundary version {Version} in force: {Count} boundaries")]
        public static partial void Loaded(ILogger logger, int count, long version);

        [LoggerMessage(EventId = 5322, Level = LogLevel.Information, Message = "The database held no PSAP boundaries: seeded with {Count} from the boundary file (version {Version})")]
        public static partial void Seeded(ILogger logger, int count, long version);

        [LoggerMessage(EventId = 5323, Level = LogLevel.Error, Message = "Stored PSAP boundary {Id} is invalid and left out: {Detail}")]
        public static partial void Skipped(ILogger logger, string id, string detail);

        [LoggerMessage(EventId = 5324, Level = LogLevel.Warning, Message = "Stored PSAP boundaries could not be read ({Reason}); the boundaries in force stay")]
        public static partial void ReloadFailed(ILogger logger, string reason);
    }
}
