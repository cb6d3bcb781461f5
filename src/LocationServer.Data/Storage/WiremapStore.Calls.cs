using Microsoft.EntityFrameworkCore;

namespace LocationServer.Data.Storage;

public sealed partial class WiremapStore
{
    /// <summary>Appends a call record; returns it with its id (assigned when <see cref="CallRecord.Id"/> is empty).</summary>
    public Task<CallRecord> AddCallRecordAsync(CallRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var stored = record.Id == Guid.Empty ? record with { Id = Guid.CreateVersion7() } : record;
        return RunAsync(async db =>
        {
            db.CallRecords.Add(RowMapping.ToRow(stored));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return stored;
        }, cancellationToken);
    }

    /// <summary>
    /// Appends call records and lends the ELINs those calls presented (<paramref name="elins"/>, replacing any
    /// earlier assignment of each ELIN in its tenant) in one transaction: either everything is committed or
    /// nothing. Idempotent, so a batch can be retried after a failure: a record whose id is already stored is kept,
    /// and an ELIN assignment older than the stored one is ignored (the latest wins, also within the batch).
    /// Invalid assignments throw <see cref="StoreValidationException"/> before anything is written.
    /// </summary>
    public Task CommitCallsAsync(IReadOnlyList<CallRecord> records, IReadOnlyList<ElinAssignment> elins, CancellationToken cancellationToken = default) =>
        CommitCallsAsync(records, elins, [], cancellationToken);

    /// <summary>
    /// <see cref="CommitCallsAsync(IReadOnlyList{CallRecord}, IReadOnlyList{ElinAssignment}, CancellationToken)"/>, and
    /// records raised <paramref name="alerts"/> in the alert ledger in the same transaction (an alert whose id is
    /// already stored is kept as it is, with its acknowledgement), as <see cref="RecordAlertAsync"/> does one by one.
    /// </summary>
    public Task CommitCallsAsync(IReadOnlyList<CallRecord> records, IReadOnlyList<ElinAssignment> elins, IReadOnlyList<StoredAlert> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(elins);
        ArgumentNullException.ThrowIfNull(alerts);
        var rows = records.Select(r => RowMapping.ToRow(r.Id == Guid.Empty ? r with { Id = Guid.CreateVersion7() } : r)).ToList();
        var assignments = new Dictionary<(string Tenant, string Elin), ElinAssignment>();
        foreach (var assignment in elins)
        {
            var stored = ValidateElin(assignment);
            var key = (stored.TenantId, stored.Elin);
            if (!assignments.TryGetValue(key, out var seen) || stored.AssignedUtc >= seen.AssignedUtc) assignments[key] = stored;
        }
        var elinRows = assignments.Values.Select(a => new ElinAssignmentRow
        {
            TenantId = a.TenantId,
            Elin = a.Elin,
            CallerNumber = a.CallerNumber,
            LocationId = a.LocationId,
            AssignedUtc = a.AssignedUtc,
            ExpiresUtc = a.ExpiresUtc,
        }).ToList();
        var alertRows = new List<AlertRow>(alerts.Count);
        var alertIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            // One statement per row: a repeated id within the batch is the same alert raised once.
            if (alertIds.Add(alert.Id)) alertRows.Add(new AlertRow { Id = alert.Id, TenantId = alert.TenantId, Kind = alert.Kind, TimeUtc = alert.TimeUtc, Summary = alert.SummaryJson });
        }
        return RunAsync(async db =>
        {
            // PostgreSQL: the records and alerts are copied in (binary COPY), unless the batch is a retry whose rows
            // may be stored already; a COPY that meets one fails as a whole, and the batch is written again by statements.
            var copy = !db.Database.IsSqlite();
            try
            {
                await CommitCallsOnceAsync(db, rows, elinRows, alertRows, copy, cancellationToken).ConfigureAwait(false);
            }
            catch (Npgsql.PostgresException e) when (copy && e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
            {
                await CommitCallsOnceAsync(db, rows, elinRows, alertRows, copy: false, cancellationToken).ConfigureAwait(false);
            }
            return rows.Count;
        }, cancellationToken);
    }

    /// <summary>
    /// One transaction of <see cref="CommitCallsAsync(IReadOnlyList{CallRecord}, IReadOnlyList{ElinAssignment}, IReadOnlyList{StoredAlert}, CancellationToken)"/>:
    /// with <paramref name="copy"/>, the records and alerts go in by binary COPY (PostgreSQL), which fails on a row
    /// already stored; without, by statements that skip such rows.
    /// </summary>
    private static async Task CommitCallsOnceAsync(LocationDbContext db, List<CallRecordRow> rows, List<ElinAssignmentRow> elinRows, List<AlertRow> alertRows, bool copy, CancellationToken cancellationToken)
    {
        // Every routed call is written here (in the background), so it is a few statements in one transaction rather than EF change
        // tracking per row (measured: about 3x the records per second at batches of 64, `callwrite`).
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            // A record already there is a retry of a batch whose commit was acknowledged too late: kept as it is.
            if (copy) await BatchCommands.CopyAsync(db, rows, cancellationToken).ConfigureAwait(false);
            else await BatchCommands.InsertAsync(db, rows, upsertWhen: null, cancellationToken, skipExisting: true, hot: true).ConfigureAwait(false);
            // An ELIN lent later elsewhere (another node) stands: an older assignment does not overwrite it.
            await BatchCommands.InsertAsync(db, elinRows,
                upsertWhen: static (table, quote) => $"excluded.{quote("assigned_utc")} >= {table}.{quote("assigned_utc")}", cancellationToken, hot: true).ConfigureAwait(false);
            // An alert already recorded (a retry) keeps its acknowledgement.
            if (copy) await BatchCommands.CopyAsync(db, alertRows, cancellationToken).ConfigureAwait(false);
            else await BatchCommands.InsertAsync(db, alertRows, upsertWhen: null, cancellationToken, skipExisting: true, hot: true).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every tenant's ELIN assignments still inside their window at <paramref name="nowUtc"/> (loaded into memory at start).</summary>
    public Task<IReadOnlyList<ElinAssignment>> ListActiveElinsAsync(DateTime nowUtc, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<ElinAssignment>>(async db =>
            (await db.ElinAssignments.AsNoTracking()
                .Where(x => x.ExpiresUtc > nowUtc)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);

    /// <summary>A tenant's call records with <paramref name="fromUtc"/> ≤ time &lt; <paramref name="toUtc"/>, newest first, at most <paramref name="limit"/>.</summary>
    public Task<IReadOnlyList<CallRecord>> ListCallRecordsAsync(string tenantId, DateTime fromUtc, DateTime toUtc, int limit, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<CallRecord>>(async db =>
            (await db.CallRecords.AsNoTracking()
                .Where(x => x.TenantId == tenantId && x.TimeUtc >= fromUtc && x.TimeUtc < toUtc)
                .OrderByDescending(x => x.TimeUtc).Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);

    /// <summary>One call record of a tenant, or null.</summary>
    public Task<CallRecord?> FindCallRecordAsync(string tenantId, Guid id, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.CallRecords.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id && x.TenantId == tenantId, cancellationToken).ConfigureAwait(false);
            return row is null ? null : RowMapping.FromRow(row);
        }, cancellationToken);

    /// <summary>
    /// Lends <see cref="ElinAssignment.Elin"/> to a caller, replacing any earlier assignment of that ELIN in the
    /// tenant. The ELIN and caller number are stored normalised (E.164).
    /// </summary>
    public async Task<ElinAssignment> UpsertElinAsync(ElinAssignment assignment, CancellationToken cancellationToken = default)
    {
        var stored = ValidateElin(assignment);
        return await RunAsync(async db =>
        {
            var row = await db.ElinAssignments.SingleOrDefaultAsync(x => x.TenantId == stored.TenantId && x.Elin == stored.Elin, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                row = new ElinAssignmentRow { TenantId = stored.TenantId, Elin = stored.Elin };
                db.ElinAssignments.Add(row);
            }
            row.CallerNumber = stored.CallerNumber;
            row.LocationId = stored.LocationId;
            row.AssignedUtc = stored.AssignedUtc;
            row.ExpiresUtc = stored.ExpiresUtc;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The unexpired assignment of an ELIN (any spelling) at <paramref name="nowUtc"/>, or null: whom a PSAP callback to the ELIN reaches.</summary>
    public Task<ElinAssignment?> FindElinAsync(string tenantId, string elin, DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        var normalized = NormalizeNumber(elin);
        if (normalized is null) return Task.FromResult<ElinAssignment?>(null);
        return RunAsync(async db =>
        {
            var row = await db.ElinAssignments.AsNoTracking()
                .SingleOrDefaultAsync(x => x.TenantId == tenantId && x.Elin == normalized && x.ExpiresUtc > nowUtc, cancellationToken).ConfigureAwait(false);
            return row is null ? null : RowMapping.FromRow(row);
        }, cancellationToken);
    }

    private static ElinAssignment ValidateElin(ElinAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var elin = NormalizeNumber(assignment.Elin);
        var caller = NormalizeNumber(assignment.CallerNumber);
        var errors = new List<Core.Wiremap.ValidationError>();
        if (elin is null) errors.Add(new("/elin", "is not a telephone number"));
        if (caller is null) errors.Add(new("/callerNumber", "is not a telephone number"));
        if (assignment.ExpiresUtc <= assignment.AssignedUtc) errors.Add(new("/expiresUtc", "must be after assignedUtc"));
        if (errors.Count > 0) throw new StoreValidationException(errors);
        return assignment with { Elin = elin!, CallerNumber = caller! };
    }
}
