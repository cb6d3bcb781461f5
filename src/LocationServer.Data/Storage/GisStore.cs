using System.Security.Cryptography;
using LocationServer.Data.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LocationServer.Data.Storage;

/// <summary>A stored GIS data set, without its content.</summary>
/// <param name="Version">Monotonic version (1, 2, …).</param>
/// <param name="Name">The file name it was loaded from.</param>
/// <param name="Format">gpkg, zip (shapefiles) or csv (MSAG).</param>
/// <param name="Sha256">Hex SHA-256 of the content.</param>
/// <param name="LoadedUtc">When it was stored.</param>
/// <param name="Features">Features the loader accepted.</param>
/// <param name="Problems">Problems the loader reported.</param>
public sealed record GisDataset(long Version, string Name, string Format, string Sha256, DateTime LoadedUtc, int Features, int Problems);

/// <summary>
/// The authority's GIS data, shared by every tenant: each load is stored whole (the source file's bytes) as a new
/// version, so every replica builds the same index from the same bytes, and announced on <see cref="IGisChangeBus"/>.
/// The newest <see cref="KeptVersions"/> versions are kept.
/// </summary>
public sealed partial class GisStore
{
    /// <summary>Versions kept after a save (older ones are deleted).</summary>
    public const int KeptVersions = 3;

    private readonly IDbContextFactory<LocationDbContext> _factory;
    private readonly IGisChangeBus? _bus;
    private readonly TimeProvider _time;
    private readonly ILogger<GisStore> _logger;

    internal GisStore(IDbContextFactory<LocationDbContext> factory, IGisChangeBus? bus, TimeProvider time, ILogger<GisStore> logger)
    {
        _factory = factory;
        _bus = bus;
        _time = time;
        _logger = logger;
    }

    /// <summary>Stores a data set as the next version and announces it; returns what was stored.</summary>
    public async Task<GisDataset> SaveAsync(string name, string format, byte[] content, int features, int problems, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var now = _time.GetUtcNow().UtcDateTime;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var saved = await RunAsync(async db =>
                {
                    var latest = await db.GisDatasets.AsNoTracking().MaxAsync(x => (long?)x.Version, cancellationToken).ConfigureAwait(false) ?? 0;
                    var row = new GisDatasetRow
                    {
                        Version = latest + 1,
                        Name = name,
                        Format = format,
                        Content = content,
                        Sha256 = sha,
                        LoadedUtc = now,
                        Features = features,
                        Problems = problems,
                    };
                    db.GisDatasets.Add(row);
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    await db.GisDatasets.Where(x => x.Version <= row.Version - KeptVersions).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                    return ToDataset(row);
                }, cancellationToken).ConfigureAwait(false);
                Log.Stored(_logger, saved.Version, saved.Name, saved.Features, saved.Problems);
                await AnnounceAsync(saved.Version).ConfigureAwait(false);
                return saved;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another node took the same version number at the same moment: take the next one.
            }
        }
    }

    /// <summary>The newest stored version, or 0 when none is stored.</summary>
    public Task<long> GetLatestVersionAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async db => await db.GisDatasets.AsNoTracking().MaxAsync(x => (long?)x.Version, cancellationToken).ConfigureAwait(false) ?? 0, cancellationToken);

    /// <summary>The newest data set with its content, or null when none is stored.</summary>
    public Task<(GisDataset Dataset, byte[] Content)?> LoadLatestAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.GisDatasets.AsNoTracking().OrderByDescending(x => x.Version).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return row is null ? ((GisDataset, byte[])?)null : (ToDataset(row), row.Content);
        }, cancellationToken);

    /// <summary>The stored versions, newest first, without content.</summary>
    public Task<IReadOnlyList<GisDataset>> ListAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async db => (IReadOnlyList<GisDataset>)await db.GisDatasets.AsNoTracking().OrderByDescending(x => x.Version)
            .Select(x => new GisDataset(x.Version, x.Name, x.Format, x.Sha256, x.LoadedUtc, x.Features, x.Problems))
            .ToListAsync(cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>Whether the tenant refuses wiremap saves with addresses the GIS data finds invalid (false: stored with a warning, the default).</summary>
    public Task<bool> GetRefuseInvalidAddressesAsync(string tenantId, CancellationToken cancellationToken = default) =>
        RunAsync(async db => await db.GisTenantSettings.AsNoTracking().Where(x => x.TenantId == tenantId)
            .Select(x => x.InvalidAddresses).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false) == "refuse", cancellationToken);

    /// <summary>Sets the tenant's choice; the tenant must exist (false when it does not).</summary>
    public Task<bool> SetRefuseInvalidAddressesAsync(string tenantId, bool refuse, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, cancellationToken).ConfigureAwait(false)) return false;
            var row = await db.GisTenantSettings.FirstOrDefaultAsync(x => x.TenantId == tenantId, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                row = new GisTenantSettingRow { TenantId = tenantId };
                db.GisTenantSettings.Add(row);
            }
            row.InvalidAddresses = refuse ? "refuse" : "warn";
            row.UpdatedUtc = _time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static GisDataset ToDataset(GisDatasetRow row) => new(row.Version, row.Name, row.Format, row.Sha256, row.LoadedUtc, row.Features, row.Problems);

    private async Task AnnounceAsync(long version)
    {
        if (_bus is null) return;
        try
        {
            await _bus.PublishAsync(version).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            // Stored; nodes that miss the announcement pick the version up by polling.
            Log.AnnounceFailed(_logger, version, e.Message);
        }
    }

    private Task<T> RunAsync<T>(Func<LocationDbContext, Task<T>> work, CancellationToken cancellationToken) =>
        StorageFailure.RunAsync(_factory, _logger, work, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4701, Level = LogLevel.Information, Message = "GIS data version {Version} stored from {Name}: {Features} features, {Problems} problems")]
        public static partial void Stored(ILogger logger, long version, string name, int features, int problems);

        [LoggerMessage(EventId = 4702, Level = LogLevel.Warning, Message = "GIS data version {Version} could not be announced ({Reason}); replicas will find it by polling")]
        public static partial void AnnounceFailed(ILogger logger, long version, string reason);

    }
}
