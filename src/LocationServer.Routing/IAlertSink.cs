namespace LocationServer.Routing;

/// <summary>Where alerts are handed off; enqueueing never blocks or throws.</summary>
internal interface IAlertSink
{
    /// <summary>
    /// Queues <paramref name="alert"/> for delivery; false when it was dropped (queue full or stopped).
    /// <paramref name="json"/>: its webhook JSON, when the caller has made it already. <paramref name="recorded"/>: it
    /// is already on its way into the alert ledger (with its call record), so it is not recorded again.
    /// </summary>
    bool TryEnqueue(AlertMessage alert, string? json = null, bool recorded = false);
}
