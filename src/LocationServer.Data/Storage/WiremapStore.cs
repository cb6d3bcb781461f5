using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LocationServer.Data.Storage;

/// <summary>
/// Durable storage for wiremaps and the records the routing side keeps. Thread-safe singleton; each call uses
/// its own short-lived context.
/// </summary>
/// <remarks>
/// Failure contract, the same for every method: when the database cannot be reached or cannot complete the work,
/// the method throws <see cref="StorageUnavailableException"/> (map to HTTP 503) and nothing was committed;
/// invalid input throws <see cref="StoreValidationException"/> (map to 400) before anything is written. A write
/// that returns has been committed.
/// </remarks>
public sealed partial class WiremapStore
{
    private const int VersionRowId = 1;
    private readonly IDbContextFactory<LocationDbContext> _factory;
    private readonly IWiremapChangeBus? _bus;
    private readonly TimeProvider _time;
    private readonly ILogger<WiremapStore> _logger;

    internal WiremapStore(IDbContextFactory<LocationDbContext> factory, IWiremapChangeBus? bus, TimeProvider time, ILogger<WiremapStore> logger)
    {
        _factory = factory;
        _bus = bus;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Every tenant's wiremap and the version they form, read consistently: when a change commits during the
    /// read, the read is repeated, so the result is exactly the state at <c>Version</c>.
    /// </summary>
    public Task<(IReadOnlyList<TenantWiremap> Tenants, long Version)> LoadAllAsync(CancellationToken cancellationToken = default) =>
        RunAsync<(IReadOnlyList<TenantWiremap>, long)>(async db =>
        {
            // Every wiremap change bumps the version in its own transaction, so an unchanged version around the
            // reads means no change committed in between. After repeated collisions, read inside one
            // serializable transaction instead (it may wait for writers, hence not the first choice).
            for (var attempt = 0; ; attempt++)
            {
                var snapshot = attempt >= 3
                    ? await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false)
                    : null;
                try
                {
                    var before = await VersionAsync(db, cancellationToken).ConfigureAwait(false);
                    var tenants = await db.Tenants.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
                    var sites = (await db.Sites.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(x => x.TenantId);
                    var locations = (await db.Locations.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(x => x.TenantId);
                    var elements = (await db.NetworkElements.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(x => x.TenantId);
                    var dids = (await db.Dids.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(x => x.TenantId);
                    var requesters = (await db.Requesters.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(x => x.TenantId);
                    var policies = (await db.Policies.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(x => x.TenantId);
                    var after = await VersionAsync(db, cancellationToken).ConfigureAwait(false);
                    if (before != after && snapshot is null) continue;
                    var result = tenants
                        .OrderBy(t => t.Id, StringComparer.Ordinal)
                        .Select(t => PolicyRowMapping.WithRows(RowMapping.FromRows(t, sites[t.Id], locations[t.Id], elements[t.Id], dids[t.Id], requesters[t.Id]), policies[t.Id]))
                        .ToList();
                    return (result, after);
                }
                finally
                {
                    if (snapshot is not null) await snapshot.DisposeAsync().ConfigureAwait(false);
                }
            }
        }, cancellationToken);

    /// <summary>The current wiremap version (0 for an empty database). Cheap; also a readiness probe.</summary>
    public Task<long> GetVersionAsync(CancellationToken cancellationToken = default) =>
        RunAsync(db => VersionAsync(db, cancellationToken), cancellationToken);

    /// <summary>One tenant's wiremap, or null when the tenant does not exist.</summary>
    public Task<TenantWiremap?> GetTenantAsync(string tenantId, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var tenant = await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Id == tenantId, cancellationToken).ConfigureAwait(false);
            if (tenant is null) return null;
            var wiremap = RowMapping.FromRows(
                tenant,
                await db.Sites.AsNoTracking().Where(x => x.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false),
                await db.Locations.AsNoTracking().Where(x => x.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false),
                await db.NetworkElements.AsNoTracking().Where(x => x.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false),
                await db.Dids.AsNoTracking().Where(x => x.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false),
                await db.Requesters.AsNoTracking().Where(x => x.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false));
            return PolicyRowMapping.WithRows(wiremap,
                await db.Policies.AsNoTracking().Where(x => x.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false));
        }, cancellationToken);

    /// <summary>
    /// Replaces everything of the tenant (creating it if new) with <paramref name="wiremap"/> in one transaction
    /// that also bumps the version; returns the new version once committed, then announces it on the change bus.
    /// The wiremap is validated first (<see cref="WiremapValidator"/>): invalid input throws
    /// <see cref="StoreValidationException"/> and changes nothing. On any failure the old wiremap and version stay.
    /// With <paramref name="expectedVersion"/>, the replacement commits only if no wiremap change committed since that
    /// version was read; otherwise it throws <see cref="WiremapVersionConflictException"/> and changes nothing (a
    /// merge computed from that version's state is then recomputed).
    /// </summary>
    public Task<long> ReplaceTenantAsync(TenantWiremap wiremap, CancellationToken cancellationToken = default) =>
        ReplaceTenantAsync(wiremap, expectedVersion: null, cancellationToken);

    /// <inheritdoc cref="ReplaceTenantAsync(TenantWiremap, CancellationToken)"/>
    public Task<long> ReplaceTenantAsync(TenantWiremap wiremap, long? expectedVersion, CancellationToken cancellationToken = default) =>
        ReplaceTenantAsync(wiremap, expectedVersion, companion: null, cancellationToken);

    /// <summary>
    /// Replaces the tenant's wiremap and, in the same transaction, makes <paramref name="companion"/>'s write (users an
    /// import records beside the elements it pins): both commit or neither does.
    /// </summary>
    public async Task<long> ReplaceTenantAsync(TenantWiremap wiremap, long? expectedVersion, WiremapCompanionWrite? companion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var errors = WiremapValidator.Validate(wiremap);
        if (errors.Count > 0) throw new StoreValidationException(errors);
        RowMapping.ToRows(wiremap, out var tenant, out var sites, out var locations, out var elements, out var dids, out var requesters);
        var policies = PolicyRowMapping.ToRows(wiremap);
        var version = await RunAsync(async db =>
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Bump first: the version row's lock serialises all wiremap writers for the whole transaction.
                var next = await BumpVersionAsync(db, cancellationToken).ConfigureAwait(false);
                if (expectedVersion is { } expected && next != expected + 1) throw new WiremapVersionConflictException(expected, next - 1);
                var id = tenant.Id;
                var others = await db.Tenants.AsNoTracking().Where(t => t.Id != id)
                    .Select(t => new { t.Id, t.CompanyUuid }).ToListAsync(cancellationToken).ConfigureAwait(false);
                var collisions = TenantHandles.Collisions(wiremap.Tenant, others.Select(o => (o.Id, o.CompanyUuid)));
                if (collisions.Count > 0) throw new StoreValidationException(collisions);
                await DeleteTenantContentAsync(db, id, cancellationToken).ConfigureAwait(false);
                var existing = await db.Tenants.SingleOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
                if (existing is null) db.Tenants.Add(tenant);
                else db.Entry(existing).CurrentValues.SetValues(tenant);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                // Parents before children so foreign keys hold at every statement on both providers. Batched
                // statements rather than change tracking: a large wiremap is hundreds of thousands of rows.
                await BatchCommands.InsertAsync(db, sites, upsertWhen: null, cancellationToken).ConfigureAwait(false);
                await BatchCommands.InsertAsync(db, locations, upsertWhen: null, cancellationToken).ConfigureAwait(false);
                await BatchCommands.InsertAsync(db, elements, upsertWhen: null, cancellationToken).ConfigureAwait(false);
                await BatchCommands.InsertAsync(db, dids, upsertWhen: null, cancellationToken).ConfigureAwait(false);
                await BatchCommands.InsertAsync(db, requesters, upsertWhen: null, cancellationToken).ConfigureAwait(false);
                await BatchCommands.InsertAsync(db, policies, upsertWhen: null, cancellationToken).ConfigureAwait(false);
                if (companion is not null) await companion.WriteAsync(db, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return next;
            }
        }, cancellationToken).ConfigureAwait(false);
        Log.Replaced(_logger, wiremap.Tenant.Id, version, elements.Count);
        await AnnounceAsync(version).ConfigureAwait(false);
        if (companion is not null) await companion.CommittedAsync().ConfigureAwait(false);
        return version;
    }

    /// <summary>Deletes a tenant's wiremap (not its call records); returns the new version, or the current one when the tenant did not exist.</summary>
    public async Task<long> DeleteTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var (version, changed) = await RunAsync(async db =>
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, cancellationToken).ConfigureAwait(false))
                    return (await VersionAsync(db, cancellationToken).ConfigureAwait(false), false);
                var next = await BumpVersionAsync(db, cancellationToken).ConfigureAwait(false);
                await DeleteTenantContentAsync(db, tenantId, cancellationToken).ConfigureAwait(false);
                await db.Tenants.Where(t => t.Id == tenantId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (next, true);
            }
        }, cancellationToken).ConfigureAwait(false);
        if (changed) await AnnounceAsync(version).ConfigureAwait(false);
        return version;
    }

    private static async Task DeleteTenantContentAsync(LocationDbContext db, string tenantId, CancellationToken cancellationToken)
    {
        await db.NetworkElements.Where(x => x.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.Dids.Where(x => x.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.Requesters.Where(x => x.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.Policies.Where(x => x.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.Locations.Where(x => x.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.Sites.Where(x => x.TenantId == tenantId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> BumpVersionAsync(LocationDbContext db, CancellationToken cancellationToken)
    {
        var updated = await db.WiremapVersion.Where(v => v.Id == VersionRowId)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, v => v.Version + 1), cancellationToken).ConfigureAwait(false);
        if (updated != 1) throw new InvalidOperationException("The wiremap_version row is missing; was the database migrated?");
        return await VersionAsync(db, cancellationToken).ConfigureAwait(false);
    }

    private static Task<long> VersionAsync(LocationDbContext db, CancellationToken cancellationToken) =>
        db.WiremapVersion.AsNoTracking().Where(v => v.Id == VersionRowId).Select(v => v.Version).SingleAsync(cancellationToken);

    private async Task AnnounceAsync(long version)
    {
        if (_bus is null) return;
        try
        {
            await _bus.PublishAsync(version).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            // The change is committed; nodes that miss the announcement pick it up by polling the version.
            Log.AnnounceFailed(_logger, version, e.Message);
        }
    }

    // Nomadic addresses

    /// <summary>
    /// Saves (inserts or replaces) the address a user entered for a device on a network; the address must pass
    /// <see cref="CivicAddressValidator"/>. Returns the stored record with its times.
    /// </summary>
    public async Task<NomadicAddress> SaveNomadicAsync(NomadicAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var errors = CivicAddressValidator.Validate(address.Address, "/address");
        if (errors.Count > 0) throw new StoreValidationException(errors);
        var now = _time.GetUtcNow().UtcDateTime;
        var civic = RowMapping.CivicToJson(address.Address);
        return await RunAsync(async db =>
        {
            var row = await db.NomadicAddresses.SingleOrDefaultAsync(
                x => x.TenantId == address.TenantId && x.DeviceKey == address.DeviceKey && x.NetworkFingerprint == address.NetworkFingerprint,
                cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                row = new NomadicAddressRow
                {
                    TenantId = address.TenantId,
                    DeviceKey = address.DeviceKey,
                    NetworkFingerprint = address.NetworkFingerprint,
                    CreatedUtc = now,
                };
                db.NomadicAddresses.Add(row);
            }
            row.Civic = civic;
            row.UpdatedUtc = now;
            row.Latitude = address.Point?.Latitude;
            row.Longitude = address.Point?.Longitude;
            row.Validation = address.Validation;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return address with { CreatedUtc = row.CreatedUtc, UpdatedUtc = now };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The address entered for this device on this network, or null.</summary>
    public Task<NomadicAddress?> FindNomadicAsync(string tenantId, string deviceKey, string networkFingerprint, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.NomadicAddresses.AsNoTracking().SingleOrDefaultAsync(
                x => x.TenantId == tenantId && x.DeviceKey == deviceKey && x.NetworkFingerprint == networkFingerprint,
                cancellationToken).ConfigureAwait(false);
            return row is null ? null : new NomadicAddress(row.TenantId, row.DeviceKey, row.NetworkFingerprint, RowMapping.CivicFromJson(row.Civic), row.CreatedUtc, row.UpdatedUtc)
            {
                Point = row.Latitude is { } lat && row.Longitude is { } lon ? new GeoPoint(lat, lon) : null,
                Validation = row.Validation,
            };
        }, cancellationToken);

    /// <summary>
    /// Writes per-network counts in one transaction: a record whose id exists gets its count and last time
    /// replaced (the caller holds the running total), any other is added.
    /// </summary>
    public Task SaveUnknownNetworkCountsAsync(IReadOnlyCollection<UnknownNetworkEvent> counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0) return Task.CompletedTask;
        return RunAsync(async db =>
        {
            var ids = counts.Select(c => c.Id).ToList();
            var existing = await db.UnknownNetworkEvents.Where(x => ids.Contains(x.Id))
                .ToDictionaryAsync(x => x.Id, cancellationToken).ConfigureAwait(false);
            foreach (var count in counts)
            {
                if (existing.TryGetValue(count.Id, out var row))
                {
                    row.RequestCount = count.RequestCount;
                    row.LastUtc = count.LastUtc;
                    continue;
                }
                db.UnknownNetworkEvents.Add(new UnknownNetworkEventRow
                {
                    Id = count.Id,
                    TenantId = count.TenantId,
                    DeviceKey = count.DeviceKey,
                    NetworkFingerprint = count.NetworkFingerprint,
                    TimeUtc = count.TimeUtc,
                    RequestCount = count.RequestCount,
                    LastUtc = count.LastUtc,
                });
            }
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>A tenant's unknown-network events at or after <paramref name="fromUtc"/>, newest first.</summary>
    public Task<IReadOnlyList<UnknownNetworkEvent>> ListUnknownNetworkEventsAsync(string tenantId, DateTime fromUtc, int limit, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<UnknownNetworkEvent>>(async db =>
            (await db.UnknownNetworkEvents.AsNoTracking()
                .Where(x => x.TenantId == tenantId && x.TimeUtc >= fromUtc)
                .OrderByDescending(x => x.TimeUtc).Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);

    private Task<T> RunAsync<T>(Func<LocationDbContext, Task<T>> work, CancellationToken cancellationToken) =>
        StorageFailure.RunAsync(_factory, _logger, work, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Wiremap of tenant {Tenant} replaced: version {Version}, {Elements} elements")]
        public static partial void Replaced(ILogger logger, string tenant, long version, int elements);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Could not announce wiremap version {Version}: {Reason}")]
        public static partial void AnnounceFailed(ILogger logger, long version, string reason);

    }

    internal static string? NormalizeNumber(string? number) => PhoneNumber.Normalize(number);
}
