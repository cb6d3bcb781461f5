using LocationServer.Core.Endpoints;
using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore;

namespace LocationServer.Data.Endpoints;

public sealed partial class EndpointDirectoryStore
{
    /// <summary>
    /// Creates or replaces <paramref name="users"/> (already validated, their DIDs and MACs free of other users) in the
    /// transaction of a wiremap replacement, so a station import that pins MACs and records their users is all or
    /// nothing. <paramref name="expectedVersion"/> is the tenant's directory version the users were computed from; a
    /// directory changed since makes the whole replacement fail with <see cref="WiremapVersionConflictException"/>, and
    /// the importer computes its change again.
    /// </summary>
    public WiremapCompanionWrite UpsertUsers(string tenantId, long expectedVersion, IReadOnlyList<DirectoryUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        return new UserUpsert(this, tenantId, expectedVersion, users);
    }

    private sealed class UserUpsert(EndpointDirectoryStore store, string tenantId, long expectedVersion, IReadOnlyList<DirectoryUser> users) : WiremapCompanionWrite
    {
        internal override async Task WriteAsync(LocationDbContext db, CancellationToken cancellationToken)
        {
            if (users.Count == 0) return;
            // Bump first, as every directory write does: the version row's lock serialises the tenant's directory writers.
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO endpoint_directory_versions (tenant_id, version) VALUES ({0}, 1) " +
                "ON CONFLICT (tenant_id) DO UPDATE SET version = endpoint_directory_versions.version + 1",
                [tenantId], cancellationToken).ConfigureAwait(false);
            var version = await VersionAsync(db, tenantId, cancellationToken).ConfigureAwait(false);
            if (version != expectedVersion + 1)
                throw new WiremapVersionConflictException($"The users of tenant '{Short(tenantId)}' changed since version {expectedVersion} was read (now {version - 1}).");
            var now = store._time.GetUtcNow().UtcDateTime;
            var ids = users.Select(u => u.Id).ToList();
            var rows = await db.DirectoryUsers.Where(u => u.TenantId == tenantId && ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
            foreach (var user in users)
            {
                if (!rows.TryGetValue(user.Id, out var row))
                {
                    row = new DirectoryUserRow { TenantId = tenantId, Id = user.Id, CreatedUtc = now };
                    db.DirectoryUsers.Add(row);
                }
                row.DisplayName = user.DisplayName;
                row.Email = user.Email;
                row.SiteId = user.SiteId;
                row.Version = version;
                row.UpdatedUtc = now;
            }
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await db.DirectoryUserNumbers.Where(n => n.TenantId == tenantId && ids.Contains(n.UserId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.DirectoryUserDevices.Where(d => d.TenantId == tenantId && ids.Contains(d.UserId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            foreach (var user in users)
            {
                db.DirectoryUserNumbers.AddRange((user.Dids ?? []).Select((n, i) => new DirectoryUserNumberRow { TenantId = tenantId, Number = n, UserId = user.Id, Ordinal = i }));
                db.DirectoryUserDevices.AddRange((user.DeviceMacs ?? []).Select((m, i) => new DirectoryUserDeviceRow { TenantId = tenantId, Mac = m, UserId = user.Id, Ordinal = i }));
            }
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        internal override async Task CommittedAsync()
        {
            if (users.Count == 0) return;
            Log.Changed(store._logger, tenantId);
            await store.AnnounceAsync(tenantId).ConfigureAwait(false);
        }
    }
}
