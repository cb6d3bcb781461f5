namespace LocationServer.Routing;

/// <summary>Where alerts are handed off; enqueueing never blocks or throws.</summary>
internal interface IAlertSink
{
    /// <summary>Queues <paramref name="alert"/> for delivery; false when it was dropped (queue full or stopped).</summary>
    bool TryEnqueue(AlertMessage alert);
}
