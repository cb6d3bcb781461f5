using LocationServer.Data.Storage;

namespace LocationServer.Routing.Alerts;

/// <summary>Raised alerts in the system of record (the <c>alerts</c> table), where acknowledgements are kept.</summary>
internal sealed class StoreAlertLedger(WiremapStore store) : IAlertLedger
{
    public Task RecordAsync(AlertMessage alert, string json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return store.RecordAlertAsync(new StoredAlert(alert.Id, alert.Tenant, AlertEventNames.Wire(alert.Event), alert.At.UtcDateTime, json), cancellationToken);
    }
}
