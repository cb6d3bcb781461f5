using LocationServer.Core.Endpoints;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LocationServer.Data.Endpoints;

/// <summary>A stored endpoint with its version (the ETag) and times.</summary>
public sealed record StoredEndpoint(EmergencyEndpoint Endpoint, long Version, DateTime CreatedUtc, DateTime UpdatedUtc);

/// <summary>A stored user with its version (the ETag) and times.</summary>
public sealed record StoredUser(DirectoryUser User, long Version, DateTime CreatedUtc, DateTime UpdatedUtc);

/// <summary>A stored assignment with its version (the ETag) and time.</summary>
public sealed record StoredAssignment(EndpointAssignment Assignment, long Version, DateTime UpdatedUtc);

/// <summary>One page of a listing and the number of items in all pages.</summary>
public sealed record DirectoryPage<T>(IReadOnlyList<T> Items, int Total);

/// <summary>How a directory write ended; only <see cref="Ok"/> and <see cref="Created"/> changed anything.</summary>
public enum DirectoryWriteStatus
{
    Ok,
    Created,
    /// <summary>The tenant or the object does not exist.</summary>
    NotFound,
    /// <summary>An object with that id exists already.</summary>
    Exists,
    /// <summary>The object's version is not the one the caller expected (If-Match).</summary>
    PreconditionFailed,
    /// <summary>The change clashes with other objects (a DID of another user, an endpoint still assigned); see the errors.</summary>
    Conflict,
    /// <summary>The input is invalid; see the errors.</summary>
    Invalid,
}

/// <summary>The outcome of a directory write: the stored value, or why nothing was written.</summary>
public sealed record DirectoryWrite<T>(DirectoryWriteStatus Status, T? Value = default, long? CurrentVersion = null, IReadOnlyList<ValidationError>? Errors = null)
{
    public bool Succeeded => Status is DirectoryWriteStatus.Ok or DirectoryWriteStatus.Created;
}

/// <summary>The result of applying an endpoint to every user of a domain or a site.</summary>
/// <param name="Assignment">The tenant or site assignment now stored.</param>
/// <param name="Users">Users in that scope.</param>
/// <param name="OverridesRemoved">User and device assignments of those users removed so they present the endpoint.</param>
public sealed record ApplyResult(StoredAssignment Assignment, int Users, int OverridesRemoved);

/// <summary>
/// Durable storage of emergency endpoints, their assignments and user records. Every write runs in one transaction
/// that first bumps the tenant's directory version (serialising the tenant's writers), stamps the written rows with
/// that version (their ETag), and after commit announces the tenant on the change bus.
/// </summary>
/// <remarks>
/// Same failure contract as <see cref="WiremapStore"/>: an unreachable database throws
/// <see cref="StorageUnavailableException"/> and nothing was committed; every other outcome is a value.
/// </remarks>
public sealed partial class EndpointDirectoryStore
{
    private readonly IDbContextFactory<LocationDbContext> _factory;
    private readonly IEndpointDirectoryChangeBus _bus;
    private readonly TimeProvider _time;
    private readonly ILogger<EndpointDirectoryStore> _logger;

    internal EndpointDirectoryStore(IDbContextFactory<LocationDbContext> factory, IEndpointDirectoryChangeBus bus, TimeProvider time, ILogger<EndpointDirectoryStore> logger)
    {
        _factory = factory;
        _bus = bus;
        _time = time;
        _logger = logger;
    }

    // Reading

    /// <summary>The directory version of every tenant that has one. Cheap; polled by every node.</summary>
    public Task<IReadOnlyDictionary<string, long>> ListVersionsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyDictionary<string, long>>(async db =>
            await db.EndpointDirectoryVersions.AsNoTracking().ToDictionaryAsync(v => v.TenantId, v => v.Version, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false),
            cancellationToken);

    /// <summary>One tenant's whole directory, read consistently at one version (repeated when a write commits meanwhile).</summary>
    public Task<TenantDirectoryData> LoadTenantAsync(string tenantId, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            for (var attempt = 0; ; attempt++)
            {
                var snapshot = attempt >= 3
                    ? await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false)
                    : null;
                try
                {
                    var before = await VersionAsync(db, tenantId, cancellationToken).ConfigureAwait(false);
                    var endpoints = await db.EmergencyEndpoints.AsNoTracking().Where(e => e.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false);
                    var assignments = await db.EndpointAssignments.AsNoTracking().Where(a => a.TenantId == tenantId).ToListAsync(cancellationToken).ConfigureAwait(false);
                    var users = await ReadUsersAsync(db, db.DirectoryUsers.AsNoTracking().Where(u => u.TenantId == tenantId), tenantId, cancellationToken).ConfigureAwait(false);
                    var after = await VersionAsync(db, tenantId, cancellationToken).ConfigureAwait(false);
                    if (before != after && snapshot is null) continue;
                    return new TenantDirectoryData(tenantId, after,
                        [.. endpoints.Select(e => ToEndpoint(e).Endpoint)], [.. assignments.Select(a => ToAssignment(a).Assignment)], [.. users.Select(u => u.User)]);
                }
                finally
                {
                    if (snapshot is not null) await snapshot.DisposeAsync().ConfigureAwait(false);
                }
            }
        }, cancellationToken);

    public Task<DirectoryPage<StoredEndpoint>> ListEndpointsAsync(string tenantId, string? siteId, int offset, int limit, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var query = db.EmergencyEndpoints.AsNoTracking().Where(e => e.TenantId == tenantId);
            if (siteId is not null) query = query.Where(e => e.SiteId == siteId);
            var total = await query.CountAsync(cancellationToken).ConfigureAwait(false);
            var rows = await query.OrderBy(e => e.Id).Skip(offset).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
            return new DirectoryPage<StoredEndpoint>([.. rows.Select(ToEndpoint)], total);
        }, cancellationToken);

    public Task<StoredEndpoint?> GetEndpointAsync(string tenantId, string id, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.EmergencyEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.TenantId == tenantId && e.Id == id, cancellationToken).ConfigureAwait(false);
            return row is null ? null : ToEndpoint(row);
        }, cancellationToken);

    public Task<DirectoryPage<StoredUser>> ListUsersAsync(string tenantId, string? siteId, int offset, int limit, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var query = db.DirectoryUsers.AsNoTracking().Where(u => u.TenantId == tenantId);
            if (siteId is not null) query = query.Where(u => u.SiteId == siteId);
            var total = await query.CountAsync(cancellationToken).ConfigureAwait(false);
            var users = await ReadUsersAsync(db, query.OrderBy(u => u.Id).Skip(offset).Take(limit), tenantId, cancellationToken).ConfigureAwait(false);
            return new DirectoryPage<StoredUser>(users, total);
        }, cancellationToken);

    public Task<StoredUser?> GetUserAsync(string tenantId, string id, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
            (await ReadUsersAsync(db, db.DirectoryUsers.AsNoTracking().Where(u => u.TenantId == tenantId && u.Id == id), tenantId, cancellationToken).ConfigureAwait(false)).SingleOrDefault(),
            cancellationToken);

    public Task<DirectoryPage<StoredAssignment>> ListAssignmentsAsync(string tenantId, EndpointScope? scope, string? endpointId, int offset, int limit, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var query = db.EndpointAssignments.AsNoTracking().Where(a => a.TenantId == tenantId);
            if (scope is { } s) query = query.Where(a => a.Scope == (int)s);
            if (endpointId is not null) query = query.Where(a => a.EndpointId == endpointId);
            var total = await query.CountAsync(cancellationToken).ConfigureAwait(false);
            var rows = await query.OrderBy(a => a.Scope).ThenBy(a => a.Target).Skip(offset).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
            return new DirectoryPage<StoredAssignment>([.. rows.Select(ToAssignment)], total);
        }, cancellationToken);

    public Task<StoredAssignment?> GetAssignmentAsync(string tenantId, EndpointScope scope, string target, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.EndpointAssignments.AsNoTracking()
                .SingleOrDefaultAsync(a => a.TenantId == tenantId && a.Scope == (int)scope && a.Target == target, cancellationToken).ConfigureAwait(false);
            return row is null ? null : ToAssignment(row);
        }, cancellationToken);

    // Endpoints

    /// <summary>Creates an endpoint; <see cref="DirectoryWriteStatus.Exists"/> when the id is taken.</summary>
    public Task<DirectoryWrite<StoredEndpoint>> CreateEndpointAsync(string tenantId, EmergencyEndpoint endpoint, CancellationToken cancellationToken = default) =>
        SaveEndpointAsync(tenantId, endpoint, create: true, expected: null, cancellationToken);

    /// <summary>Replaces an endpoint's fields; <paramref name="expected"/> is the If-Match version, if any.</summary>
    public Task<DirectoryWrite<StoredEndpoint>> UpdateEndpointAsync(string tenantId, EmergencyEndpoint endpoint, long? expected, CancellationToken cancellationToken = default) =>
        SaveEndpointAsync(tenantId, endpoint, create: false, expected, cancellationToken);

    private async Task<DirectoryWrite<StoredEndpoint>> SaveEndpointAsync(string tenantId, EmergencyEndpoint endpoint, bool create, long? expected, CancellationToken cancellationToken)
    {
        var (valid, errors) = DirectoryValidator.Endpoint(endpoint);
        if (valid is null) return new(DirectoryWriteStatus.Invalid, Errors: errors);
        var now = _time.GetUtcNow().UtcDateTime;
        return await WriteAsync<StoredEndpoint>(tenantId, async (db, version) =>
        {
            var row = await db.EmergencyEndpoints.SingleOrDefaultAsync(e => e.TenantId == tenantId && e.Id == valid.Id, cancellationToken).ConfigureAwait(false);
            if (create && row is not null) return new(DirectoryWriteStatus.Exists, CurrentVersion: row.Version);
            if (!create && row is null) return new(DirectoryWriteStatus.NotFound);
            if (expected is { } e && row!.Version != e) return new(DirectoryWriteStatus.PreconditionFailed, CurrentVersion: row.Version);
            if (row is null)
            {
                row = new EmergencyEndpointRow { TenantId = tenantId, Id = valid.Id, CreatedUtc = now };
                db.EmergencyEndpoints.Add(row);
            }
            row.CallbackNumber = valid.CallbackNumber;
            row.Label = valid.Label;
            row.SiteId = valid.SiteId;
            row.BillingCivic = RowMapping.CivicToJson(valid.BillingAddress);
            row.Version = version;
            row.UpdatedUtc = now;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new(create ? DirectoryWriteStatus.Created : DirectoryWriteStatus.Ok, ToEndpoint(row));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes an endpoint that no assignment names (<see cref="DirectoryWriteStatus.Conflict"/> lists those that do).</summary>
    public Task<DirectoryWrite<bool>> DeleteEndpointAsync(string tenantId, string id, long? expected, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>(tenantId, async (db, _) =>
        {
            var row = await db.EmergencyEndpoints.SingleOrDefaultAsync(e => e.TenantId == tenantId && e.Id == id, cancellationToken).ConfigureAwait(false);
            if (row is null) return new(DirectoryWriteStatus.NotFound);
            if (expected is { } e && row.Version != e) return new(DirectoryWriteStatus.PreconditionFailed, CurrentVersion: row.Version);
            var uses = await db.EndpointAssignments.AsNoTracking().Where(a => a.TenantId == tenantId && a.EndpointId == id)
                .OrderBy(a => a.Scope).ThenBy(a => a.Target).Take(20).ToListAsync(cancellationToken).ConfigureAwait(false);
            if (uses.Count > 0)
                return new(DirectoryWriteStatus.Conflict, CurrentVersion: row.Version, Errors:
                    [.. uses.Select(a => new ValidationError("/id", $"still assigned to {Describe((EndpointScope)a.Scope, a.Target)}; remove or move that assignment first"))]);
            db.EmergencyEndpoints.Remove(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new(DirectoryWriteStatus.Ok, true);
        }, cancellationToken);

    // Users

    /// <summary>Creates a user; a DID or MAC of another user is a <see cref="DirectoryWriteStatus.Conflict"/> naming the field.</summary>
    public Task<DirectoryWrite<StoredUser>> CreateUserAsync(string tenantId, DirectoryUser user, CancellationToken cancellationToken = default) =>
        SaveUserAsync(tenantId, user, create: true, expected: null, cancellationToken);

    /// <summary>Replaces a user's fields, DIDs and devices; <paramref name="expected"/> is the If-Match version, if any.</summary>
    public Task<DirectoryWrite<StoredUser>> UpdateUserAsync(string tenantId, DirectoryUser user, long? expected, CancellationToken cancellationToken = default) =>
        SaveUserAsync(tenantId, user, create: false, expected, cancellationToken);

    private async Task<DirectoryWrite<StoredUser>> SaveUserAsync(string tenantId, DirectoryUser user, bool create, long? expected, CancellationToken cancellationToken)
    {
        var (valid, errors) = DirectoryValidator.User(user);
        if (valid is null) return new(DirectoryWriteStatus.Invalid, Errors: errors);
        var now = _time.GetUtcNow().UtcDateTime;
        IReadOnlyList<string> dids = valid.Dids ?? [];
        IReadOnlyList<string> macs = valid.DeviceMacs ?? [];
        return await WriteAsync<StoredUser>(tenantId, async (db, version) =>
        {
            var row = await db.DirectoryUsers.SingleOrDefaultAsync(u => u.TenantId == tenantId && u.Id == valid.Id, cancellationToken).ConfigureAwait(false);
            if (create && row is not null) return new(DirectoryWriteStatus.Exists, CurrentVersion: row.Version);
            if (!create && row is null) return new(DirectoryWriteStatus.NotFound);
            if (expected is { } e && row!.Version != e) return new(DirectoryWriteStatus.PreconditionFailed, CurrentVersion: row.Version);

            var takenNumbers = await db.DirectoryUserNumbers.AsNoTracking()
                .Where(n => n.TenantId == tenantId && n.UserId != valid.Id && dids.Contains(n.Number)).ToListAsync(cancellationToken).ConfigureAwait(false);
            var takenMacs = await db.DirectoryUserDevices.AsNoTracking()
                .Where(d => d.TenantId == tenantId && d.UserId != valid.Id && macs.Contains(d.Mac)).ToListAsync(cancellationToken).ConfigureAwait(false);
            if (takenNumbers.Count + takenMacs.Count > 0)
            {
                var clashes = takenNumbers.Select(n => new ValidationError($"/dids/{IndexOf(dids, n.Number)}", $"{n.Number} belongs to user '{n.UserId}'"))
                    .Concat(takenMacs.Select(d => new ValidationError($"/deviceMacs/{IndexOf(macs, d.Mac)}", $"{d.Mac} belongs to user '{d.UserId}'")));
                return new(DirectoryWriteStatus.Conflict, Errors: [.. clashes.OrderBy(c => c.Path, StringComparer.Ordinal)]);
            }

            if (row is null)
            {
                row = new DirectoryUserRow { TenantId = tenantId, Id = valid.Id, CreatedUtc = now };
                db.DirectoryUsers.Add(row);
            }
            row.DisplayName = valid.DisplayName;
            row.Email = valid.Email;
            row.SiteId = valid.SiteId;
            row.Version = version;
            row.UpdatedUtc = now;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            // Children by statement, not by change tracking: a number kept across the update has the same key.
            await db.DirectoryUserNumbers.Where(n => n.TenantId == tenantId && n.UserId == valid.Id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.DirectoryUserDevices.Where(d => d.TenantId == tenantId && d.UserId == valid.Id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            db.DirectoryUserNumbers.AddRange(dids.Select((n, i) => new DirectoryUserNumberRow { TenantId = tenantId, Number = n, UserId = valid.Id, Ordinal = i }));
            db.DirectoryUserDevices.AddRange(macs.Select((m, i) => new DirectoryUserDeviceRow { TenantId = tenantId, Mac = m, UserId = valid.Id, Ordinal = i }));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new(create ? DirectoryWriteStatus.Created : DirectoryWriteStatus.Ok, new StoredUser(valid, version, row.CreatedUtc, now));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a user with its DIDs, devices and its own endpoint assignment.</summary>
    public Task<DirectoryWrite<bool>> DeleteUserAsync(string tenantId, string id, long? expected, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>(tenantId, async (db, _) =>
        {
            var row = await db.DirectoryUsers.SingleOrDefaultAsync(u => u.TenantId == tenantId && u.Id == id, cancellationToken).ConfigureAwait(false);
            if (row is null) return new(DirectoryWriteStatus.NotFound);
            if (expected is { } e && row.Version != e) return new(DirectoryWriteStatus.PreconditionFailed, CurrentVersion: row.Version);
            await db.EndpointAssignments.Where(a => a.TenantId == tenantId && a.Scope == (int)EndpointScope.User && a.Target == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            db.DirectoryUsers.Remove(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new(DirectoryWriteStatus.Ok, true);
        }, cancellationToken);

    // Assignments

    /// <summary>
    /// Assigns an endpoint to a scope (creating or replacing the assignment). <paramref name="expected"/> is the
    /// If-Match version; <paramref name="mustNotExist"/> is If-None-Match: *.
    /// </summary>
    public Task<DirectoryWrite<StoredAssignment>> PutAssignmentAsync(string tenantId, EndpointAssignment assignment, long? expected, bool mustNotExist, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var now = _time.GetUtcNow().UtcDateTime;
        return WriteAsync<StoredAssignment>(tenantId, async (db, version) =>
        {
            if (!await db.EmergencyEndpoints.AnyAsync(e => e.TenantId == tenantId && e.Id == assignment.EndpointId, cancellationToken).ConfigureAwait(false))
                return new(DirectoryWriteStatus.Invalid, Errors: [new ValidationError("/endpoint", $"no emergency endpoint '{Short(assignment.EndpointId)}' in this tenant")]);
            var row = await db.EndpointAssignments.SingleOrDefaultAsync(
                a => a.TenantId == tenantId && a.Scope == (int)assignment.Scope && a.Target == assignment.Target, cancellationToken).ConfigureAwait(false);
            if (row is not null && mustNotExist) return new(DirectoryWriteStatus.PreconditionFailed, CurrentVersion: row.Version);
            if (expected is { } e && row?.Version != e) return new(DirectoryWriteStatus.PreconditionFailed, CurrentVersion: row?.Version);
            var created = row is null;
            row = Upsert(db, row, tenantId, assignment, version, now);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new(created ? DirectoryWriteStatus.Created : DirectoryWriteStatus.Ok, ToAssignment(row));
        }, cancellationToken);
    }

    /// <summary>Removes an assignment; the scope then falls back to the next less specific one.</summary>
    public Task<DirectoryWrite<bool>> DeleteAssignmentAsync(string tenantId, EndpointScope scope, string target, long? expected, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>(tenantId, async (db, _) =>
        {
            var row = await db.EndpointAssignments.SingleOrDefaultAsync(a => a.TenantId == tenantId && a.Scope == (int)scope && a.Target == target, cancellationToken).ConfigureAwait(false);
            if (row is null) return new(DirectoryWriteStatus.NotFound);
            if (expected is { } e && row.Version != e) return new(DirectoryWriteStatus.PreconditionFailed, CurrentVersion: row.Version);
            db.EndpointAssignments.Remove(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new(DirectoryWriteStatus.Ok, true);
        }, cancellationToken);

    /// <summary>
    /// "Apply to all users" as one transaction: stores the endpoint as the tenant's (<paramref name="siteId"/> null) or
    /// the site's assignment and, unless <paramref name="keepOverrides"/>, removes the user and device assignments of
    /// the users in that scope (the domain's users, or the users whose home site it is), so every one of them presents
    /// the endpoint. Users added later inherit it.
    /// </summary>
    public Task<DirectoryWrite<ApplyResult>> ApplyAsync(string tenantId, string endpointId, string? siteId, bool keepOverrides, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var assignment = new EndpointAssignment(siteId is null ? EndpointScope.Tenant : EndpointScope.Site, siteId ?? "", endpointId);
        return WriteAsync<ApplyResult>(tenantId, async (db, version) =>
        {
            if (!await db.EmergencyEndpoints.AnyAsync(e => e.TenantId == tenantId && e.Id == endpointId, cancellationToken).ConfigureAwait(false))
                return new(DirectoryWriteStatus.NotFound);
            var users = db.DirectoryUsers.Where(u => u.TenantId == tenantId && (siteId == null || u.SiteId == siteId));
            var userCount = await users.CountAsync(cancellationToken).ConfigureAwait(false);
            var removed = 0;
            if (!keepOverrides)
            {
                removed += await db.EndpointAssignments
                    .Where(a => a.TenantId == tenantId && a.Scope == (int)EndpointScope.User && users.Any(u => u.Id == a.Target))
                    .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                var devices = db.DirectoryUserDevices.Where(d => d.TenantId == tenantId && users.Any(u => u.Id == d.UserId));
                removed += await db.EndpointAssignments
                    .Where(a => a.TenantId == tenantId && a.Scope == (int)EndpointScope.Device && devices.Any(d => d.Mac == a.Target))
                    .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            }
            var row = await db.EndpointAssignments.SingleOrDefaultAsync(
                a => a.TenantId == tenantId && a.Scope == (int)assignment.Scope && a.Target == assignment.Target, cancellationToken).ConfigureAwait(false);
            row = Upsert(db, row, tenantId, assignment, version, now);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new(DirectoryWriteStatus.Ok, new ApplyResult(ToAssignment(row), userCount, removed));
        }, cancellationToken);
    }

    private static EndpointAssignmentRow Upsert(LocationDbContext db, EndpointAssignmentRow? row, string tenantId, EndpointAssignment assignment, long version, DateTime now)
    {
        if (row is null)
        {
            row = new EndpointAssignmentRow { TenantId = tenantId, Scope = (int)assignment.Scope, Target = assignment.Target };
            db.EndpointAssignments.Add(row);
        }
        row.EndpointId = assignment.EndpointId;
        row.Version = version;
        row.UpdatedUtc = now;
        return row;
    }

    // Plumbing

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction that first bumps the tenant's directory version; commits only a
    /// successful outcome, then announces the tenant.
    /// </summary>
    private async Task<DirectoryWrite<T>> WriteAsync<T>(string tenantId, Func<LocationDbContext, long, Task<DirectoryWrite<T>>> work, CancellationToken cancellationToken)
    {
        var outcome = await RunAsync(async db =>
        {
            if (!await db.Tenants.AsNoTracking().AnyAsync(t => t.Id == tenantId, cancellationToken).ConfigureAwait(false))
                return new DirectoryWrite<T>(DirectoryWriteStatus.NotFound, Errors: [new ValidationError("/tenant", $"no tenant '{Short(tenantId)}'")]);
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Bump first: the version row's lock serialises the tenant's directory writers for the whole
                // transaction, so the If-Match checks that follow cannot race.
                await db.Database.ExecuteSqlRawAsync(
                    "INSERT INTO endpoint_directory_versions (tenant_id, version) VALUES ({0}, 1) " +
                    "ON CONFLICT (tenant_id) DO UPDATE SET version = endpoint_directory_versions.version + 1",
                    [tenantId], cancellationToken).ConfigureAwait(false);
                var version = await VersionAsync(db, tenantId, cancellationToken).ConfigureAwait(false);
                var result = await work(db, version).ConfigureAwait(false);
                if (result.Succeeded) await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (outcome.Succeeded)
        {
            Log.Changed(_logger, tenantId);
            await AnnounceAsync(tenantId).ConfigureAwait(false);
        }
        return outcome;
    }

    private async Task AnnounceAsync(string tenantId)
    {
        try
        {
            await _bus.PublishAsync(tenantId).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            // Committed; the other nodes pick the change up by polling the versions.
            Log.AnnounceFailed(_logger, tenantId, e.Message);
        }
    }

    private static Task<long> VersionAsync(LocationDbContext db, string tenantId, CancellationToken cancellationToken) =>
        db.EndpointDirectoryVersions.AsNoTracking().Where(v => v.TenantId == tenantId).Select(v => v.Version).SingleOrDefaultAsync(cancellationToken);

    private static async Task<List<StoredUser>> ReadUsersAsync(LocationDbContext db, IQueryable<DirectoryUserRow> query, string tenantId, CancellationToken cancellationToken)
    {
        var rows = await query.ToListAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0) return [];
        var ids = query.Select(u => u.Id);
        var numbers = (await db.DirectoryUserNumbers.AsNoTracking().Where(n => n.TenantId == tenantId && ids.Contains(n.UserId))
            .ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(n => n.UserId);
        var devices = (await db.DirectoryUserDevices.AsNoTracking().Where(d => d.TenantId == tenantId && ids.Contains(d.UserId))
            .ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(d => d.UserId);
        return [.. rows.Select(r => new StoredUser(
            new DirectoryUser(r.Id, r.DisplayName, r.Email, r.SiteId,
                [.. numbers[r.Id].OrderBy(n => n.Ordinal).Select(n => n.Number)],
                [.. devices[r.Id].OrderBy(d => d.Ordinal).Select(d => d.Mac)]),
            r.Version, r.CreatedUtc, r.UpdatedUtc))];
    }

    private static StoredEndpoint ToEndpoint(EmergencyEndpointRow row) => new(
        new EmergencyEndpoint(row.Id, row.CallbackNumber, RowMapping.CivicFromJson(row.BillingCivic), row.Label, row.SiteId),
        row.Version, row.CreatedUtc, row.UpdatedUtc);

    private static StoredAssignment ToAssignment(EndpointAssignmentRow row) => new(
        new EndpointAssignment((EndpointScope)row.Scope, row.Target, row.EndpointId), row.Version, row.UpdatedUtc);

    private static string Short(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static int IndexOf(IReadOnlyList<string> values, string value)
    {
        for (var i = 0; i < values.Count; i++)
            if (values[i] == value) return i;
        return -1;
    }

    private static string Describe(EndpointScope scope, string target) => scope switch
    {
        EndpointScope.Tenant => "the tenant",
        EndpointScope.Site => $"site '{target}'",
        EndpointScope.User => $"user '{target}'",
        _ => $"device {target}",
    };

    private Task<T> RunAsync<T>(Func<LocationDbContext, Task<T>> work, CancellationToken cancellationToken) =>
        StorageFailure.RunAsync(_factory, _logger, work, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3701, Level = LogLevel.Information, Message = "Emergency endpoints or users of tenant {Tenant} changed")]
        public static partial void Changed(ILogger logger, string tenant);

        [LoggerMessage(EventId = 3702, Level = LogLevel.Warning, Message = "Could not announce the endpoint directory change of tenant {Tenant}: {Reason}")]
        public static partial void AnnounceFailed(ILogger logger, string tenant, string reason);

    }
}
