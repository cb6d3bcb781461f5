using System.Security.Cryptography;
using System.Text;
using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using LocationServer.Routing.Alerts;
using AlertTarget = LocationServer.Routing.Alerts.AlertTarget;
using ElinAssignment = LocationServer.Core.Routing.ElinAssignment;
using StoredAlertDelivery = LocationServer.Data.Storage.AlertDelivery;
using StoredCallRecord = LocationServer.Data.Storage.CallRecord;
using StoredElin = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Routing;

/// <summary>Call records, ELIN windows, the alert ledger and alert targets and deliveries in the system of record.</summary>
internal sealed partial class StoreRoutingSeams(WiremapStore store, CallRecordWriter callRecords, IElinAssignmentBus elinBus, TimeProvider time, ILogger<StoreRoutingSeams> logger)
    : ICallRecordSink, IElinAssignmentStore, IAlertTargetSource, IAlertDeliveryLog, IAlertLedger
{
    /// <summary>How long a tenant's alert targets are served from memory before the store is asked again: 5 s.</summary>
    public static readonly TimeSpan AlertTargetsTtl = TimeSpan.FromSeconds(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long ReadAt, IReadOnlyList<AlertTarget> Targets)> _targets = new(StringComparer.Ordinal);

    public bool Enqueue(CallRecord record, AlertMessage? alert = null, string? alertJson = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var tokenHash = string.IsNullOrEmpty(record.LocationReference) ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(record.LocationReference)));
        var window = record.CallbackWindow is { } w
            ? new StoredElin(w.Tenant, w.Elin, w.CallerNumber, w.LocationId, w.AssignedAt.UtcDateTime, w.ExpiresAt.UtcDateTime)
            : null;
        // The other nodes hear of the ELIN now, not after the commit, so their next caller from this location
        // gets another one; the announcement never delays the call.
        if (window is not null) _ = AnnounceAsync(window);
        return callRecords.Enqueue(new StoredCallRecord(
            Guid.ParseExact(record.Id, "N"),
            record.Tenant,
            record.At.UtcDateTime,
            record.Dialed,
            record.CallingNumber,
            tokenHash,
            record.Source switch { LocationSourceKind.Token => "token", LocationSourceKind.Station => "station", LocationSourceKind.Did => "did", _ => "none" },
            record.LocationId,
            record.Address,
            record.Destination switch { RouteDestination.Psap => "psap", RouteDestination.TestService => "test", RouteDestination.CallServerDefault => "callserver", _ => "ecrc" },
            record.RouteUri,
            record.RouteName,
            record.CallbackNumber,
            record.TestCall,
            record.CallId,
            record.PolicyId), window, alert is null || alertJson is null ? null : CallRecordWriter.ToLedger(alert, alertJson));
    }

    /// <summary>
    /// Records a raised alert in the alert ledger through the call-record writer (a routed call's alert normally goes
    /// with its call record instead, <see cref="Enqueue"/>): committed with the group of call records being written
    /// rather than in a transaction of its own. Completes once committed, or held for the
    /// store's return like a call record; fails when it is refused or given up.
    /// </summary>
    public Task RecordAsync(AlertMessage alert, string json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return callRecords.EnqueueAlert(CallRecordWriter.ToLedger(alert, json));
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

    public IDisposable Subscribe(Action<ElinAssignment> onAssigned)
    {
        ArgumentNullException.ThrowIfNull(onAssigned);
        return elinBus.Subscribe(row => onAssigned(ToCore(row)));
    }

    private async Task AnnounceAsync(StoredElin assignment)
    {
        try
        {
            await elinBus.PublishAsync(assignment).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.AnnounceFailed(logger, ex);
        }
    }

    /// <summary>
    /// The tenant's webhook targets. Every routed call raises an alert, so they are held for
    /// <see cref="AlertTargetsTtl"/> rather than read per alert; changes made through this node's admin API apply at
    /// once (<see cref="InvalidateAlertTargets"/>), those made through another node within the TTL.
    /// </summary>
    public async ValueTask<IReadOnlyList<AlertTarget>> GetTargetsAsync(string tenant, CancellationToken cancellationToken)
    {
        if (_targets.TryGetValue(tenant, out var cached) && time.GetElapsedTime(cached.ReadAt) < AlertTargetsTtl) return cached.Targets;
        var readAt = time.GetTimestamp();
        var targets = await ReadTargetsAsync(tenant, cancellationToken).ConfigureAwait(false);
        _targets[tenant] = (readAt, targets);
        return targets;
    }

    /// <summary>Forgets the held targets of <paramref name="tenant"/>, after an administrator changed them.</summary>
    public void InvalidateAlertTargets(string tenant) => _targets.TryRemove(tenant, out _);

    private async Task<IReadOnlyList<AlertTarget>> ReadTargetsAsync(string tenant, CancellationToken cancellationToken)
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
            var scope = AlertScopeNames.TryParse(row.Scope, out var parsed) ? parsed : AlertScope.Tenant;
            List<Uri>? addresses = null;
            if (row.Addresses is { Count: > 1 } several)
            {
                addresses = [];
                foreach (var address in several)
                    if (Uri.TryCreate(address, UriKind.Absolute, out var parsedAddress)) addresses.Add(parsedAddress);
            }
            targets.Add(new AlertTarget(row.Id.ToString("N"), url, row.Secret, events, scope, row.ScopeId, addresses));
        }
        return targets;
    }

    public Task RecordAsync(Alerts.AlertDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var at = delivery.At.UtcDateTime;
        var status = delivery.Succeeded ? AlertDeliveryStatus.Delivered : delivery.Final ? AlertDeliveryStatus.Failed : AlertDeliveryStatus.Pending;
        var payload = System.Text.Json.JsonSerializer.Serialize(new { alertId = delivery.AlertId, url = delivery.Url.ToString(), httpStatus = delivery.HttpStatus, channel = AlertScopeNames.Wire(delivery.Channel) });
        return store.AddAlertDeliveryAsync(new StoredAlertDelivery(
            Guid.CreateVersion7(), Guid.TryParseExact(delivery.Target, "N", out var target) ? target : Guid.Empty, delivery.Tenant,
            delivery.AlertId, payload, delivery.Attempt, status, delivery.Error, at, at, at, delivery.Succeeded ? at : null), cancellationToken);
    }

    private static ElinAssignment ToCore(StoredElin row) => new(
        row.TenantId, row.LocationId, row.Elin, row.CallerNumber,
        new DateTimeOffset(row.AssignedUtc, TimeSpan.Zero), new DateTimeOffset(row.ExpiresUtc, TimeSpan.Zero), null);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2215, Level = LogLevel.Warning, Message = "An ELIN assignment could not be announced to the other nodes; they learn it from the store")]
        public static partial void AnnounceFailed(ILogger logger, Exception exception);
    }
}
