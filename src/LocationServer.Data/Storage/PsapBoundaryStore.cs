using LocationServer.Data.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LocationServer.Data.Storage;

/// <summary>A stored PSAP service boundary: the polygon as WKT (x = longitude, y = latitude).</summary>
/// <param name="TenantId">Owning tenant, or null for a boundary shared by every tenant.</param>
public sealed record PsapBoundaryRecord(string Id, string? TenantId, string Name, string SipUri, string Wkt);

/// <summary>What a boundary write decided from the current record: the record to store (null: delete), or to write nothing.</summary>
public sealed record PsapBoundaryDecision(bool Write, PsapBoundaryRecord? Next);

/// <summary>
/// PSAP service boundaries in the database: every change bumps one version in the same transaction (which also
/// serialises writers) and is announced on <see cref="IPsapBoundaryChangeBus"/>, so each replica rebuilds its
/// boundary index from the stored set within a second; nodes also poll <see cref="GetVersionAsync"/>.
/// </summary>
public sealed partial class PsapBoundaryStore
{
    private const int VersionRowId = 1;
    private readonly IDbContextFactory<LocationDbContext> _factory;
    private readonly IPsapBoundaryChangeBus? _bus;
    private readonly ILogger<PsapBoundaryStore> _logger;

    internal PsapBoundaryStore(IDbContextFactory<LocationDbContext> factory, IPsapBoundaryChangeBus? bus, ILogger<PsapBoundaryStore> logger)
    {
        _factory = factory;
        _bus = bus;
        _logger = logger;
    }

    /// <summary>The version of the stored set (0 before any boundary was ever stored).</summary>
    public Task<long> GetVersionAsync(CancellationToken cancellationToken = default) =>
        RunAsync(db => VersionAsync(db, cancellationToken), cancellationToken);

    /// <summary>Every stored boundary and the version they form (a read that a change overlapped is repeated).</summary>
    public Task<(IReadOnlyList<PsapBoundaryRecord> Boundaries, long Version)> LoadAllAsync(CancellationToken cancellationToken = default) =>
        RunAsync<(IReadOnlyList<PsapBoundaryRecord>, long)>(async db =>
        {
            while (true)
            {
                var before = await VersionAsync(db, cancellationToken).ConfigureAwait(false);
                var rows = await db.PsapBoundaries.AsNoTracking().OrderBy(x => x.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
                if (await VersionAsync(db, cancellationToken).ConfigureAwait(false) == before) return (rows.Select(ToRecord).ToList(), before);
            }
        }, cancellationToken);

    /// <summary>
    /// Reads boundary <paramref name="id"/> (null when absent) under the writers' lock, lets <paramref name="decide"/>
    /// say what to store, and commits that with a new version. Returns the record before, the decision and the version
    /// in force afterwards.
    /// </summary>
    public async Task<(PsapBoundaryRecord? Before, PsapBoundaryDecision Decision, long Version)> WriteAsync(string id, Func<PsapBoundaryRecord?, PsapBoundaryDecision> decide, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decide);
        var result = await RunAsync(async db =>
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Bump first: the version row's lock serialises every boundary writer for the whole transaction.
                var next = await BumpAsync(db, cancellationToken).ConfigureAwait(false);
                var row = await db.PsapBoundaries.SingleOrDefaultAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
                var before = row is null ? null : ToRecord(row);
                var decision = decide(before);
                if (!decision.Write)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return (before, decision, next - 1);
                }
                if (decision.Next is null)
                {
                    if (row is not null) db.PsapBoundaries.Remove(row);
                }
                else if (row is null) db.PsapBoundaries.Add(ToRow(decision.Next));
                else db.Entry(row).CurrentValues.SetValues(ToRow(decision.Next));
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (before, decision, next);
            }
        }, cancellationToken).ConfigureAwait(false);
        if (result.Item2.Write)
        {
            Log.Changed(_logger, id, result.Item3);
            await AnnounceAsync(result.Item3).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>
    /// Replaces the whole stored set with <paramref name="boundaries"/>; with <paramref name="onlyWhenEmpty"/>, only
    /// when no boundary is stored (a seed). Returns whether it wrote, and the version in force.
    /// </summary>
    public async Task<(bool Written, long Version)> ReplaceAllAsync(IReadOnlyList<PsapBoundaryRecord> boundaries, bool onlyWhenEmpty, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var result = await RunAsync(async db =>
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var next = await BumpAsync(db, cancellationToken).ConfigureAwait(false);
                if (onlyWhenEmpty && (next > 1 || await db.PsapBoundaries.AnyAsync(cancellationToken).ConfigureAwait(false)))
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return (false, next - 1);
                }
                await db.PsapBoundaries.ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                db.PsapBoundaries.AddRange(boundaries.Select(ToRow));
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (true, next);
            }
        }, cancellationToken).ConfigureAwait(false);
        if (result.Item1)
        {
            Log.Replaced(_logger, boundaries.Count, result.Item2);
            await AnnounceAsync(result.Item2).ConfigureAwait(false);
        }
        return result;
    }

    private static async Task<long> BumpAsync(LocationDbContext db, CancellationToken cancellationToken)
    {
        var updated = await db.PsapBoundaryVersion.Where(v => v.Id == VersionRowId)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, v => v.Version + 1), cancellationToken).ConfigureAwait(false);
        if (updated != 1) throw new InvalidOperationException("The psap_boundary_version row is missing; was the database migrated?");
        return await VersionAsync(db, cancellationToken).ConfigureAwait(false);
    }

    private static Task<long> VersionAsync(LocationDbContext db, CancellationToken cancellationToken) =>
        db.PsapBoundaryVersion.AsNoTracking().Where(v => v.Id == VersionRowId).Select(v => v.Version).SingleAsync(cancellationToken);

    private static PsapBoundaryRecord ToRecord(PsapBoundaryRow row) => new(row.Id, row.TenantId, row.Name, row.SipUri, row.Wkt);

    private static PsapBoundaryRow ToRow(PsapBoundaryRecord record) => new() { Id = record.Id, TenantId = record.TenantId, Name = record.Name, SipUri = record.SipUri, Wkt = record.Wkt };

    private async Task AnnounceAsync(long version)
    {
        if (_bus is null) return;
        try
        {
            await _bus.PublishAsync(version).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            // Committed; nodes that miss the announcement find the version by polling.
            Log.AnnounceFailed(_logger, version, e.Message);
        }
    }

    private Task<T> RunAsync<T>(Func<LocationDbContext, Task<T>> work, CancellationToken cancellationToken) =>
        StorageFailure.RunAsync(_factory, _logger, work, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5311, Level = LogLevel.Information, Message = "PSAP boundary {Id} changed: boundary version {Version}")]
        public static partial void Changed(ILogger logger, string id, long version);

        [LoggerMessage(EventId = 5312, Level = LogLevel.Information, Message = "PSAP boundaries replaced by {Count} boundaries: boundary version {Version}")]
        public static partial void Replaced(ILogger logger, int count, long version);

        [LoggerMessage(EventId = 5313, Level = LogLevel.Warning, Message = "PSAP boundary version {Version} could not be announced ({Reason}); replicas will find it by polling")]
        public static partial void AnnounceFailed(ILogger logger, long version, string reason);
    }
}

/// <summary>A stored PSAP boundary (table <c>psap_boundaries</c>).</summary>
internal sealed class PsapBoundaryRow
{
    public string Id { get; set; } = "";
    public string? TenantId { get; set; }
    public string Name { get; set; } = "";
    public string SipUri { get; set; } = "";
    public string Wkt { get; set; } = "";
}

/// <summary>The one row holding the stored boundary set's version (table <c>psap_boundary_version</c>).</summary>
internal sealed class PsapBoundaryVersionRow
{
    public int Id { get; set; }
    public long Version { get; set; }
}
