using Microsoft.EntityFrameworkCore;

namespace LocationServer.Data.Storage;

public sealed partial class WiremapStore
{
    /// <summary>Records a raised alert; an alert recorded before (same id) is left as it is.</summary>
    public Task RecordAlertAsync(StoredAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return RunAsync(async db =>
        {
            if (await db.Alerts.AnyAsync(x => x.Id == alert.Id, cancellationToken).ConfigureAwait(false)) return false;
            db.Alerts.Add(new AlertRow { Id = alert.Id, TenantId = alert.TenantId, Kind = alert.Kind, TimeUtc = alert.TimeUtc, Summary = alert.SummaryJson });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Acknowledges an alert of a tenant: the first acknowledgement is kept (a conditional update, so two desks
    /// racing cannot both win). Returns the alert as stored and whether this call was the one that took it; null
    /// when the tenant has no such alert.
    /// </summary>
    public Task<(StoredAlert Alert, bool First)?> AcknowledgeAlertAsync(string tenantId, string alertId, string by, DateTime atUtc, CancellationToken cancellationToken = default) =>
        RunAsync<(StoredAlert, bool)?>(async db =>
        {
            var taken = await db.Alerts
                .Where(x => x.Id == alertId && x.TenantId == tenantId && x.AcknowledgedBy == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.AcknowledgedBy, by).SetProperty(x => x.AcknowledgedUtc, atUtc), cancellationToken)
                .ConfigureAwait(false);
            var row = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(x => x.Id == alertId && x.TenantId == tenantId, cancellationToken).ConfigureAwait(false);
            return row is null ? null : (RowMapping.FromRow(row), taken == 1);
        }, cancellationToken);

    /// <summary>One alert of a tenant, or null.</summary>
    public Task<StoredAlert?> GetAlertAsync(string tenantId, string alertId, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(x => x.Id == alertId && x.TenantId == tenantId, cancellationToken).ConfigureAwait(false);
            return row is null ? null : RowMapping.FromRow(row);
        }, cancellationToken);

    /// <summary>A tenant's alerts, newest first; only those not yet acknowledged when <paramref name="open"/>.</summary>
    public Task<IReadOnlyList<StoredAlert>> ListAlertsAsync(string tenantId, bool open, int limit, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<StoredAlert>>(async db =>
            (await db.Alerts.AsNoTracking()
                .Where(x => x.TenantId == tenantId && (!open || x.AcknowledgedBy == null))
                .OrderByDescending(x => x.TimeUtc).ThenByDescending(x => x.Id).Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);

    /// <summary>The delivery attempts of one alert (every target and channel), oldest first.</summary>
    public Task<IReadOnlyList<AlertDelivery>> ListDeliveriesOfAlertAsync(string tenantId, string alertId, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<AlertDelivery>>(async db =>
            (await db.AlertDeliveries.AsNoTracking()
                .Where(x => x.TenantId == tenantId && x.EventKind == alertId)
                .OrderBy(x => x.CreatedUtc).ThenBy(x => x.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(RowMapping.FromRow).ToList(), cancellationToken);
}
