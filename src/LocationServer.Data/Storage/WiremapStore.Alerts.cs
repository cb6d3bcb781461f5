using Microsoft.EntityFrameworkCore;

namespace LocationServer.Data.Storage;

public sealed partial class WiremapStore
{
    /// <summary>Adds or replaces an alert target (by id; an empty id gets a new one). Returns the stored target.</summary>
    public Task<AlertTarget> SaveAlertTargetAsync(AlertTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!Uri.TryCreate(target.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http" or "mailto" or "sms"))
            throw new StoreValidationException([new("/url", "is not an absolute http(s) URL, a mailto: URI or an sms: URI")]);
        if (target.Addresses is { Count: > 0 } addresses && (addresses[0] != target.Url || addresses.Any(a => string.IsNullOrWhiteSpace(a) || a.Contains(' ', StringComparison.Ordinal))))
            throw new StoreValidationException([new("/addresses", "must start with the url and hold no blanks or spaces")]);
        if (target.Scope is not ("tenant" or "site" or "location") || (target.Scope == "tenant") != (target.ScopeId is null))
            throw new StoreValidationException([new("/scope", "must be tenant (no scope id), site or location (with a scope id)")]);
        if (target.Kinds.Any(k => string.IsNullOrWhiteSpace(k) || k.Contains(',', StringComparison.Ordinal)))
            throw new StoreValidationException([new("/kinds", "kinds must be non-empty and contain no commas")]);
        var stored = target.Id == Guid.Empty ? target with { Id = Guid.CreateVersion7() } : target;
        return RunAsync(async db =>
        {
            var row = await db.AlertTargets.SingleOrDefaultAsync(x => x.Id == stored.Id, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                row = new AlertTargetRow { Id = stored.Id };
                db.AlertTargets.Add(row);
            }
            row.TenantId = stored.TenantId;
            row.Url = stored.Url;
            row.Kinds = string.Join(',', stored.Kinds);
            row.Secret = stored.Secret;
            row.Scope = stored.Scope;
            row.ScopeId = stored.ScopeId;
            row.Addresses = stored.Addresses is { Count: > 1 } more ? string.Join(' ', more.Skip(1)) : null;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return stored;
        }, cancellationToken);
    }

    /// <summary>A tenant's alert targets.</summary>
    public Task<IReadOnlyList<AlertTarget>> ListAlertTargetsAsync(string tenantId, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<AlertTarget>>(async db =>
            (await db.AlertTargets.AsNoTracking().Where(x => x.TenantId == tenantId).OrderBy(x => x.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);

    /// <summary>Deletes a target and its deliveries; false when it did not exist.</summary>
    public Task<bool> DeleteAlertTargetAsync(Guid id, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            await db.AlertDeliveries.Where(x => x.TargetId == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            return await db.AlertTargets.Where(x => x.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;
        }, cancellationToken);

    /// <summary>Queues a delivery (an empty id gets a new one); returns it as stored.</summary>
    public Task<AlertDelivery> AddAlertDeliveryAsync(AlertDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var stored = delivery.Id == Guid.Empty ? delivery with { Id = Guid.CreateVersion7() } : delivery;
        return RunAsync(async db =>
        {
            var row = new AlertDeliveryRow();
            RowMapping.Apply(stored, row);
            db.AlertDeliveries.Add(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return stored;
        }, cancellationToken);
    }

    /// <summary>Records the outcome of an attempt (attempts, status, error, times); false when the delivery is gone.</summary>
    public Task<bool> UpdateAlertDeliveryAsync(AlertDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return RunAsync(async db =>
        {
            var row = await db.AlertDeliveries.SingleOrDefaultAsync(x => x.Id == delivery.Id, cancellationToken).ConfigureAwait(false);
            if (row is null) return false;
            RowMapping.Apply(delivery, row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Pending deliveries whose next attempt is due at <paramref name="nowUtc"/>, oldest due first.</summary>
    public Task<IReadOnlyList<AlertDelivery>> DueAlertDeliveriesAsync(DateTime nowUtc, int limit, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<AlertDelivery>>(async db =>
            (await db.AlertDeliveries.AsNoTracking()
                .Where(x => x.Status == (int)AlertDeliveryStatus.Pending && x.NextAttemptUtc <= nowUtc)
                .OrderBy(x => x.NextAttemptUtc).Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);

    /// <summary>A target's deliveries, newest first.</summary>
    public Task<IReadOnlyList<AlertDelivery>> ListAlertDeliveriesAsync(Guid targetId, int limit, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<AlertDelivery>>(async db =>
            (await db.AlertDeliveries.AsNoTracking()
                .Where(x => x.TargetId == targetId)
                .OrderByDescending(x => x.CreatedUtc).Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);
}
