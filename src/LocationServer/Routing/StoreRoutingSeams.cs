using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Routing;
using LocationServer.Data.Storage;
using LocationServer.Routing.Alerts;
using AlertTarget = LocationServer.Routing.Alerts.AlertTarget;
using ElinAssignment = LocationServer.Core.Routing.ElinAssignment;
using StoredAlertDelivery = LocationServer.Data.Storage.AlertDelivery;
using StoredCallRecord = LocationServer.Data.Storage.CallRecord;
using StoredElin = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Routing;

/// <summary>Call records, ELIN windows and alert targets and deliveries in the system of record.</summary>
internal sealed class StoreRoutingSeams(WiremapStore store, CallRecordWriter callRecords) : ICallRecordSink, IElinAssignmentStore, IAlertTargetSource, IAlertDeliveryLog
{
    public async Task WriteAsync(CallRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var tokenHash = string.IsNullOrEmpty(record.LocationReference) ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(record.LocationReference)));
        var window = record.CallbackWindow is { } w
            ? new StoredElin(w.Tenant, w.Elin, w.CallerNumber, w.LocationId, w.AssignedAt.UtcDateTime, w.ExpiresAt.UtcDateTime)
            : null;
        await callRecords.WriteAsync(new StoredCallRecord(
            Guid.ParseExact(record.Id, "N"),
            record.Tenant,
            record.At.UtcDateTime,
            record.Dialed,
            record.CallingNumber,
            tokenHash,
            record.Source.ToString().ToLowerInvariant(),
            record.LocationId,
            record.Address,
            record.Destination switch { RouteDestination.Psap => "psap", RouteDestination.TestService => "test", _ => "ecrc" },
            record.RouteUri,
            record.RouteName,
            record.CallbackNumber,
            record.TestCall,
            record.CallId), window, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ElinAssignment>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await store.ListActiveElinsAsync(now.UtcDateTime, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(ToCore)];
    }

    public async Task<ElinAssignment?> FindAsync(string tenant, string elin, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await store.FindElinAsync(tenant, elin, now.UtcDateTime, cancellationToken).ConfigureAwait(false);
        return row is null ? null : ToCore(row);
    }

    public async ValueTask<IReadOnlyList<AlertTarget>> GetTargetsAsync(string tenant, CancellationToken cancellationToken)
    {
        var rows = await store.ListAlertTargetsAsync(tenant, cancellationToken).ConfigureAwait(false);
        var targets = new List<AlertTarget>(rows.Count);
        foreach (var row in rows)
        {
            if (!Uri.TryCreate(row.Url, UriKind.Absolute, out var url)) continue;
            HashSet<AlertEvent>? events = null;
            if (row.Kinds.Count > 0)
            {
                events = [];
                foreach (var kind in row.Kinds)
                    if (AlertEventNames.TryParse(kind, out var e)) events.Add(e);
            }
            targets.Add(new AlertTarget(row.Id.ToString("N"), url, row.Secret, events));
        }
        return targets;
    }

    public Task RecordAsync(Alerts.AlertDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var at = delivery.At.UtcDateTime;
        var status = delivery.Succeeded ? AlertDeliveryStatus.Delivered : delivery.Final ? AlertDeliveryStatus.Failed : AlertDeliveryStatus.Pending;
        var payload = System.Text.Json.JsonSerializer.Serialize(new { alertId = delivery.AlertId, url = delivery.Url.ToString(), httpStatus = delivery.HttpStatus });
        return store.AddAlertDeliveryAsync(new StoredAlertDelivery(
            Guid.CreateVersion7(), Guid.TryParseExact(delivery.Target, "N", out var target) ? target : Guid.Empty, delivery.Tenant,
            delivery.AlertId, payload, delivery.Attempt, status, delivery.Error, at, at, at, delivery.Succeeded ? at : null), cancellationToken);
    }

    private static ElinAssignment ToCore(StoredElin row) => new(
        row.TenantId, row.LocationId, row.Elin, row.CallerNumber,
        new DateTimeOffset(row.AssignedUtc, TimeSpan.Zero), new DateTimeOffset(row.ExpiresUtc, TimeSpan.Zero), null);
}
