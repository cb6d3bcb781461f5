using System.Threading.Channels;
using LocationServer.Data.Storage;
using StoredCallRecord = LocationServer.Data.Storage.CallRecord;
using StoredElin = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Routing;

/// <summary>
/// Group commit for call records and the callback windows (ELIN assignments) they opened: every routed call waits
/// for its record to be durable, but the records of calls routed at the same moment share one transaction, so the
/// durable write costs one commit per batch instead of one per call. A failed batch fails every caller waiting on it
/// (the router logs and still routes).
/// </summary>
internal sealed class CallRecordWriter(WiremapStore store) : BackgroundService
{
    private const int MaxBatch = 512;
    private readonly Channel<(StoredCallRecord Record, StoredElin? Elin, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(StoredCallRecord, StoredElin?, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Completes once the record (and the ELIN assignment the call made, if any) is committed.</summary>
    public Task WriteAsync(StoredCallRecord record, StoredElin? elin, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((record, elin, done))) throw new StorageUnavailableException("The call record writer is stopped.");
        return done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(StoredCallRecord Record, StoredElin? Elin, TaskCompletionSource Done)>(MaxBatch);
        var records = new List<StoredCallRecord>(MaxBatch);
        var elins = new List<StoredElin>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            batch.Clear();
            records.Clear();
            elins.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
                records.Add(item.Record);
                if (item.Elin is not null) elins.Add(item.Elin);
            }
            try
            {
                // Not the stopping token: records already accepted are written even during shutdown.
                await store.CommitCallsAsync(records, elins, CancellationToken.None).ConfigureAwait(false);
                foreach (var (_, _, done) in batch) done.TrySetResult();
            }
            catch (Exception ex)
            {
                foreach (var (_, _, done) in batch) done.TrySetException(ex);
            }
        }
    }
}
