using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace LocationServer.Data.Storage;

/// <summary>An admin API key as stored: its public id, the SHA-256 of its secret, and what it may do.</summary>
/// <param name="Id">Public key id, safe to log and to show in the audit trail.</param>
/// <param name="SecretSha256">Hex SHA-256 of the secret part.</param>
/// <param name="Role">Role name (system, tenantAdmin, siteManager, securityDesk, auditor).</param>
/// <param name="TenantId">The one tenant it acts on; null for system keys and all-tenant auditors.</param>
/// <param name="Sites">The sites of a site manager; empty otherwise.</param>
/// <param name="Name">Free text naming the holder, e.g. "Austin facilities".</param>
/// <param name="CreatedUtc">When it was created.</param>
/// <param name="CreatedBy">Who created it (actor as in the audit trail).</param>
/// <param name="ExpiresUtc">Refused from this time on; null: never expires.</param>
/// <param name="RevokedUtc">Refused from this time on; null: not revoked.</param>
/// <param name="RevokedBy">Who revoked it.</param>
public sealed record AdminKeyRecord(
    string Id,
    string SecretSha256,
    string Role,
    string? TenantId,
    IReadOnlyList<string> Sites,
    string? Name,
    DateTime CreatedUtc,
    string CreatedBy,
    DateTime? ExpiresUtc,
    DateTime? RevokedUtc = null,
    string? RevokedBy = null);

/// <summary>One admin change: who, when, what, the outcome, and what was there before and after where known.</summary>
/// <param name="Id">32 hex digits that sort by time and order of recording (the paging cursor).</param>
/// <param name="TimeUtc">When the change was asked for.</param>
/// <param name="Actor">Who: "key:ID", "jwt:SUBJECT", "config-key", "loopback" or "cli".</param>
/// <param name="ActorRole">The actor's role.</param>
/// <param name="TenantId">The tenant changed, if any.</param>
/// <param name="Kind">What kind of change, e.g. "wiremap.import", "key.create", or "METHOD /route/pattern".</param>
/// <param name="Method">HTTP method (or "CLI").</param>
/// <param name="Route">The request path.</param>
/// <param name="ObjectId">The object changed, when the route or handler names one.</param>
/// <param name="Status">HTTP status of the outcome; null when the outcome was not recorded.</param>
/// <param name="Before">JSON summary of the state before, when the handler has it.</param>
/// <param name="After">JSON summary of the state after, when the handler has it.</param>
public sealed record AuditEntry(
    string Id,
    DateTime TimeUtc,
    string Actor,
    string ActorRole,
    string? TenantId,
    string Kind,
    string Method,
    string Route,
    string? ObjectId,
    int? Status,
    string? Before,
    string? After);

/// <summary>A page of the audit trail, newest first.</summary>
/// <param name="TenantId">Only this tenant's entries; null: every tenant and the global ones.</param>
/// <param name="SinceUtc">At or after this time.</param>
/// <param name="UntilUtc">Before this time.</param>
/// <param name="Actor">Only this actor (exact).</param>
/// <param name="Kind">Only this kind (exact).</param>
/// <param name="Cursor">Entries older than this id (the previous page's <c>next</c>).</param>
/// <param name="Limit">Page size.</param>
public sealed record AuditQuery(string? TenantId, DateTime? SinceUtc, DateTime? UntilUtc, string? Actor, string? Kind, string? Cursor, int Limit);

/// <summary>How many objects of each kind a tenant's wiremap holds (the audit's before/after summary of an import).</summary>
public sealed record WiremapCounts(int Sites, int Locations, int Elements, int Dids, int Requesters);

public sealed partial class WiremapStore
{
    /// <summary>Stores a new key, and with it <paramref name="audit"/> in the same transaction when given.</summary>
    public Task AddAdminKeyAsync(AdminKeyRecord key, AuditEntry? audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(async db =>
        {
            db.AdminKeys.Add(new AdminKeyRow
            {
                Id = key.Id,
                SecretSha256 = key.SecretSha256,
                Role = key.Role,
                TenantId = key.TenantId,
                Sites = key.Sites.Count == 0 ? null : JsonSerializer.Serialize(key.Sites, StorageJsonContext.Default.IReadOnlyListString),
                Name = key.Name,
                CreatedUtc = key.CreatedUtc,
                CreatedBy = key.CreatedBy,
                ExpiresUtc = key.ExpiresUtc,
            });
            if (audit is not null) db.AuditEntries.Add(ToRow(audit));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>The key with this id, revoked or not, or null.</summary>
    public Task<AdminKeyRecord?> FindAdminKeyAsync(string id, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.AdminKeys.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
            return row is null ? null : FromRow(row);
        }, cancellationToken);

    /// <summary>Keys of one tenant (or every key when <paramref name="tenantId"/> is null), oldest first.</summary>
    public Task<IReadOnlyList<AdminKeyRecord>> ListAdminKeysAsync(string? tenantId, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<AdminKeyRecord>>(async db =>
            (await db.AdminKeys.AsNoTracking().Where(x => tenantId == null || x.TenantId == tenantId)
                .OrderBy(x => x.CreatedUtc).ThenBy(x => x.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(FromRow).ToList(), cancellationToken);

    /// <summary>Revokes a key (once: a revoked key keeps its first revocation); false when there is no such key.</summary>
    public Task<bool> RevokeAdminKeyAsync(string id, string revokedBy, DateTime nowUtc, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.AdminKeys.SingleOrDefaultAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
            if (row is null) return false;
            if (row.RevokedUtc is null)
            {
                row.RevokedUtc = nowUtc;
                row.RevokedBy = revokedBy;
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken);

    /// <summary>Appends an audit entry (committed when this returns).</summary>
    public Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return RunAsync(async db =>
        {
            db.AuditEntries.Add(ToRow(entry));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Records the outcome of an audited change: status, tenant, object id, before and after (null leaves a field as it is).</summary>
    public Task CompleteAuditAsync(string id, int status, string? tenantId, string? objectId, string? before, string? after, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.AuditEntries.SingleOrDefaultAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
            if (row is null) return false;
            row.Status = status;
            row.TenantId = tenantId ?? row.TenantId;
            row.ObjectId = objectId ?? row.ObjectId;
            row.Before = before ?? row.Before;
            row.After = after ?? row.After;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// A page of the audit trail, newest first; <c>Next</c> is the cursor of the following page, null on the last.
    /// </summary>
    public Task<(IReadOnlyList<AuditEntry> Entries, string? Next)> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return RunAsync<(IReadOnlyList<AuditEntry>, string?)>(async db =>
        {
            var rows = db.AuditEntries.AsNoTracking();
            if (query.TenantId is { } tenant) rows = rows.Where(x => x.TenantId == tenant);
            if (query.SinceUtc is { } since) rows = rows.Where(x => x.TimeUtc >= since);
            if (query.UntilUtc is { } until) rows = rows.Where(x => x.TimeUtc < until);
            if (query.Actor is { } actor) rows = rows.Where(x => x.Actor == actor);
            if (query.Kind is { } kind) rows = rows.Where(x => x.Kind == kind);
            if (query.Cursor is { } cursor) rows = rows.Where(x => string.Compare(x.Id, cursor) < 0);
            var page = await rows.OrderByDescending(x => x.Id).Take(query.Limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
            var more = page.Count > query.Limit;
            if (more) page.RemoveAt(page.Count - 1);
            return (page.Select(FromRow).ToList(), more ? page[^1].Id : null);
        }, cancellationToken);
    }

    /// <summary>How many sites, locations, elements, DIDs and requesters a tenant has; null when it does not exist.</summary>
    public Task<WiremapCounts?> CountTenantAsync(string tenantId, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, cancellationToken).ConfigureAwait(false)) return null;
            return new WiremapCounts(
                await db.Sites.CountAsync(x => x.TenantId == tenantId, cancellationToken).ConfigureAwait(false),
                await db.Locations.CountAsync(x => x.TenantId == tenantId, cancellationToken).ConfigureAwait(false),
                await db.NetworkElements.CountAsync(x => x.TenantId == tenantId, cancellationToken).ConfigureAwait(false),
                await db.Dids.CountAsync(x => x.TenantId == tenantId, cancellationToken).ConfigureAwait(false),
                await db.Requesters.CountAsync(x => x.TenantId == tenantId, cancellationToken).ConfigureAwait(false));
        }, cancellationToken);

    /// <summary>A tenant's user-entered addresses, most recently updated first.</summary>
    public Task<IReadOnlyList<NomadicAddress>> ListNomadicAsync(string tenantId, int offset, int limit, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<NomadicAddress>>(async db =>
            (await db.NomadicAddresses.AsNoTracking().Where(x => x.TenantId == tenantId)
                .OrderByDescending(x => x.UpdatedUtc).ThenBy(x => x.DeviceKey).ThenBy(x => x.NetworkFingerprint)
                .Skip(offset).Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false))
                .Select(r => new NomadicAddress(r.TenantId, r.DeviceKey, r.NetworkFingerprint, RowMapping.CivicFromJson(r.Civic), r.CreatedUtc, r.UpdatedUtc))
                .ToList(), cancellationToken);

    /// <summary>Removes the address entered for a device on a network; false when there was none.</summary>
    public Task<bool> DeleteNomadicAsync(string tenantId, string deviceKey, string networkFingerprint, CancellationToken cancellationToken = default) =>
        RunAsync(async db => await db.NomadicAddresses
            .Where(x => x.TenantId == tenantId && x.DeviceKey == deviceKey && x.NetworkFingerprint == networkFingerprint)
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0, cancellationToken);

    /// <summary>A tenant's alert deliveries to every target, newest first, optionally of one status.</summary>
    public Task<IReadOnlyList<AlertDelivery>> ListTenantAlertDeliveriesAsync(string tenantId, AlertDeliveryStatus? status, int limit, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<AlertDelivery>>(async db =>
            (await db.AlertDeliveries.AsNoTracking()
                .Where(x => x.TenantId == tenantId && (status == null || x.Status == (int)status))
                .OrderByDescending(x => x.CreatedUtc).Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);

    private static AdminKeyRecord FromRow(AdminKeyRow r) => new(
        r.Id, r.SecretSha256, r.Role, r.TenantId,
        r.Sites is null ? [] : JsonSerializer.Deserialize(r.Sites, StorageJsonContext.Default.IReadOnlyListString) ?? [],
        r.Name, r.CreatedUtc, r.CreatedBy, r.ExpiresUtc, r.RevokedUtc, r.RevokedBy);

    private static AuditEntryRow ToRow(AuditEntry e) => new()
    {
        Id = e.Id,
        TimeUtc = e.TimeUtc,
        Actor = e.Actor,
        ActorRole = e.ActorRole,
        TenantId = e.TenantId,
        Kind = e.Kind,
        Method = e.Method,
        Route = e.Route,
        ObjectId = e.ObjectId,
        Status = e.Status,
        Before = e.Before,
        After = e.After,
    };

    private static AuditEntry FromRow(AuditEntryRow r) =>
        new(r.Id, r.TimeUtc, r.Actor, r.ActorRole, r.TenantId, r.Kind, r.Method, r.Route, r.ObjectId, r.Status, r.Before, r.After);
}
