namespace LocationServer.Routing;

/// <summary>Durable record of every routed call; committed in the background after the routing answer, within 100 ms normally.</summary>
internal interface ICallRecordSink
{
    /// <summary>
    /// Queues <paramref name="record"/> to be made durable in the background and returns at once (the call is never
    /// kept waiting for its record): true when the store is taking writes, false when it is away and the record is
    /// held to be written when it returns. <paramref name="alert"/>, the alert the call raised, with its webhook JSON
    /// (<paramref name="alertJson"/>), is recorded in the alert ledger in the same transaction as the record.
    /// </summary>
    bool Enqueue(CallRecord record, AlertMessage? alert = null, string? alertJson = null);
}
