using System.Threading.Channels;
using LocationServer.Data.Storage;
using StoredCallRecord = LocationServer.Data.Storage.CallRecord;
using StoredElin = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Routing;

/// <summary>
/// Group commit for call records and the callback windows (ELIN assignments) they opened: every routed call waits
/// for its record to be durable, but the records of calls routed at the same moment share one transaction, so the
/// durable write costs one commit per batch instead of one per call.
/// </summary>
/// <remarks>
/// An accepted record is never dropped because the store is away. When a commit fails for want of the store, its
/// records stay in memory (at most <see cref="MaxBacklog"/>) and are retried with backoff until the store returns;
/// the calls waiting on them, and every call routed meanwhile, are answered at once with "deferred" so routing never
/// waits for the outage. Commits are idempotent (<see cref="WiremapStore.CommitCallsAsync"/>), so a retry after a
/// lost acknowledgement writes nothing twice. Records still held at shutdown are flushed once more, and counted in
/// the log if that fails too.
/// </remarks>
internal sealed partial class CallRecordWriter(WiremapStore store, TimeProvider time, ILogger<CallRecordWriter> logger) : BackgroundService
{
    /// <summary>Records per transaction, at most.</summary>
    private const int MaxBatch = 512;

    /// <summary>Records held while the store is away before the oldest are given up: 100,000.</summary>
    public const int MaxBacklog = 100_000;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _deferring;

    /// <summary>Whether records are being held because the store is away (diagnostics and tests).</summary>
    public bool Deferring => _deferring;

    /// <summary>
    /// Completes with true once the record (and the ELIN assignment the call made, if any) is committed, or with
    /// false when the store is away and the record is held for a later commit.
    /// </summary>
    public Task<bool> WriteAsync(StoredCallRecord record, StoredElin? elin, CancellationToken cancellationToken)
    {
        if (_deferring)
        {
            if (!_queue.Writer.TryWrite(new Pending(record, elin, null))) throw new StorageUnavailableException("The call record writer is stopped.");
            return Task.FromResult(false);
        }
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new Pending(record, elin, done))) throw new StorageUnavailableException("The call record writer is stopped.");
        return done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new List<Pending>();
        var reader = _queue.Reader;
        var retry = FirstRetry;
        try
        {
            while (true)
            {
                if (pending.Count == 0 && !await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false)) break;
                Drain(pending);
                if (await CommitAsync(pending).ConfigureAwait(false))
                {
                    if (_deferring)
                    {
                        _deferring = false;
                        Log.Recovered(logger);
                    }
                    retry = FirstRetry;
                    continue;
                }
                if (!_deferring)
                {
                    _deferring = true;
                    Log.Deferring(logger, pending.Count);
                }
                await Task.Delay(retry, time, stoppingToken).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Shutting down: whatever was accepted gets one more try.
        _queue.Writer.TryComplete();
        Drain(pending);
        if (!await CommitAsync(pending).ConfigureAwait(false)) Log.LostAtShutdown(logger, pending.Count);
        foreach (var item in pending) item.Done?.TrySetResult(false);
    }

    private void Drain(List<Pending> pending)
    {
        while (_queue.Reader.TryRead(out var item)) pending.Add(item);
        if (pending.Count <= MaxBacklog) return;
        var over = pending.Count - MaxBacklog;
        for (var i = 0; i < over; i++) pending[i].Done?.TrySetResult(false);
        pending.RemoveRange(0, over);
        Log.BacklogFull(logger, over, MaxBacklog);
    }

    /// <summary>Commits <paramref name="pending"/> in batches, removing what was committed; false when the store is away.</summary>
    private async Task<bool> CommitAsync(List<Pending> pending)
    {
        var records = new List<StoredCallRecord>(Math.Min(MaxBatch, pending.Count));
        var elins = new List<StoredElin>();
        while (pending.Count > 0)
        {
            var count = Math.Min(MaxBatch, pending.Count);
            records.Clear();
            elins.Clear();
            for (var i = 0; i < count; i++)
            {
                records.Add(pending[i].Record);
                if (pending[i].Elin is { } elin) elins.Add(elin);
            }
            try
            {
                // Not the stopping token: records already accepted are written even during shutdown.
                await store.CommitCallsAsync(records, elins, CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < count; i++) pending[i].Done?.TrySetResult(true);
            }
            catch (StorageUnavailableException)
            {
                // Held for the retry; the callers waiting on this commit are answered now.
                foreach (var item in pending) item.Done?.TrySetResult(false);
                for (var i = 0; i < pending.Count; i++) pending[i] = pending[i] with { Done = null };
                return false;
            }
            catch (Exception ex)
            {
                // Not the store being away (invalid data, a bug): retrying cannot help.
                Log.Rejected(logger, count, ex);
                for (var i = 0; i < count; i++) pending[i].Done?.TrySetException(ex);
            }
            pending.RemoveRange(0, count);
        }
        return true;
    }

    private sealed record Pending(StoredCallRecord Record, StoredElin? Elin, TaskCompletionSource<bool>? Done);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2221, Level = LogLevel.Error, Message = "The location database is unavailable: {Count} call records are held in memory and retried until it returns")]
        public static partial void Deferring(ILogger logger, int count);

        [LoggerMessage(EventId = 2222, Level = LogLevel.Information, Message = "The location database is back: held call records are written")]
        public static partial void Recovered(ILogger logger);

        [LoggerMessage(EventId = 2223, Level = LogLevel.Critical, Message = "{Count} held call records were given up: more than {Capacity} were waiting for the location database")]
        public static partial void BacklogFull(ILogger logger, int count, int capacity);

        [LoggerMessage(EventId = 2224, Level = LogLevel.Critical, Message = "{Count} call records could not be written before shutdown: the location database is unavailable")]
        public static partial void LostAtShutdown(ILogger logger, int count);

        [LoggerMessage(EventId = 2225, Level = LogLevel.Error, Message = "{Count} call records were refused by the location database")]
        public static partial void Rejected(ILogger logger, int count, Exception exception);
    }
}
