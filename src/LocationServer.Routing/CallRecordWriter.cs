using System.Threading.Channels;
using LocationServer.Data.Storage;
using StoredCallRecord = LocationServer.Data.Storage.CallRecord;
using StoredElin = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Routing;

/// <summary>
/// Writes call records and the callback windows (ELIN assignments) they opened in the background, in groups: a
/// routed call is answered as soon as its route is decided and its record is queued; the writer commits whatever
/// was queued meanwhile in one transaction, so the records of calls routed at the same moment share one durable
/// write, and a record is normally committed within milliseconds of the answer (tens of milliseconds under load).
/// </summary>
/// <remarks>
/// <para>
/// An accepted record is never dropped because the store is away. When a commit fails for want of the store, its
/// records stay in memory (at most <see cref="MaxBacklog"/>; past that the oldest are given up and logged) and are
/// retried with backoff until the store returns. Commits are idempotent (<see cref="WiremapStore.CommitCallsAsync"/>),
/// so a retry after a lost acknowledgement writes nothing twice. A graceful stop commits what is still queued once
/// more, and counts in the log what could not be written.
/// </para>
/// <para>
/// What a crash (kill -9, power loss) can lose is what was queued and not yet committed: the records of the calls
/// answered during the last commit and the wait before it (see docs/routing.md, "Call records"). Other nodes hear of
/// an ELIN assignment from the ELIN bus as the call is routed, not from this write.
/// </para>
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
    private int _queued;

    /// <summary>Whether records are being held because the store is away (diagnostics and tests).</summary>
    public bool Deferring => _deferring;

    /// <summary>Records (and flushes) queued and not yet taken by the writer (diagnostics and tests).</summary>
    public int QueueLength => Volatile.Read(ref _queued);

    /// <summary>
    /// Queues <paramref name="record"/> (and the ELIN assignment the call made, if any) for the next group commit
    /// and returns at once: true when the store is taking writes, false when it is away and the record is held until
    /// it returns.
    /// </summary>
    /// <exception cref="StorageUnavailableException">The writer has stopped (the process is shutting down).</exception>
    public bool Enqueue(StoredCallRecord record, StoredElin? elin)
    {
        ArgumentNullException.ThrowIfNull(record);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(new Pending(record, elin, time.GetTimestamp(), null)))
        {
            Interlocked.Decrement(ref _queued);
            throw new StorageUnavailableException("The call record writer is stopped.");
        }
        return !_deferring;
    }

    /// <summary>
    /// Completes once every record queued before the call has been committed, or is held because the store is away,
    /// or was given up (backlog cap, refused by the store); at once when the writer has stopped. For tests, tools and
    /// reads that must see what was just routed.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        // A marker in the queue: the queue is first in, first out, so everything queued before it is ahead of it.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(new Pending(null, null, 0, done)))
        {
            Interlocked.Decrement(ref _queued);
            return Task.CompletedTask;
        }
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
                // Whatever arrived during the previous commit is the next group: no timer, so an idle writer
                // commits a lone record at once and a busy one commits larger groups.
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
                    Log.Deferring(logger, Records(pending));
                }
                // Held records count as settled for a flush: waiting for the store's return is not a flush.
                ReleaseFlushes(pending, pending.Count);
                pending.RemoveAll(p => p.Record is null);
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
        var queued = Records(pending);
        if (await CommitAsync(pending).ConfigureAwait(false)) Log.Flushed(logger, queued);
        else
        {
            var lost = Records(pending);
            Log.LostAtShutdown(logger, lost);
        }
        ReleaseFlushes(pending, pending.Count);
    }

    private void Drain(List<Pending> pending)
    {
        while (_queue.Reader.TryRead(out var item))
        {
            Interlocked.Decrement(ref _queued);
            pending.Add(item);
        }
        if (pending.Count <= MaxBacklog) return;
        var over = pending.Count - MaxBacklog;
        var givenUp = 0;
        for (var i = 0; i < over; i++)
        {
            if (pending[i].Record is null) pending[i].Flush!.TrySetResult();
            else givenUp++;
        }
        pending.RemoveRange(0, over);
        Log.BacklogFull(logger, givenUp, MaxBacklog);
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
            var oldest = 0L;
            for (var i = 0; i < count; i++)
            {
                if (pending[i].Record is not { } record) continue;
                if (records.Count == 0) oldest = pending[i].QueuedAt;
                records.Add(record);
                if (pending[i].Elin is { } elin) elins.Add(elin);
            }
            if (records.Count > 0)
            {
                try
                {
                    // Not the stopping token: records already accepted are written even during shutdown.
                    await store.CommitCallsAsync(records, elins, CancellationToken.None).ConfigureAwait(false);
                    if (logger.IsEnabled(LogLevel.Debug))
                    {
                        var lag = time.GetElapsedTime(oldest).TotalMilliseconds;
                        Log.Committed(logger, records.Count, lag);
                    }
                }
                catch (StorageUnavailableException)
                {
                    return false;
                }
                catch (Exception ex)
                {
                    // Not the store being away (invalid data, a bug): retrying cannot help.
                    Log.Rejected(logger, records.Count, ex);
                }
            }
            ReleaseFlushes(pending, count);
            pending.RemoveRange(0, count);
        }
        return true;
    }

    /// <summary>Completes the flushes among the first <paramref name="count"/> entries.</summary>
    private static void ReleaseFlushes(List<Pending> pending, int count)
    {
        for (var i = 0; i < count; i++) pending[i].Flush?.TrySetResult();
    }

    private static int Records(List<Pending> pending)
    {
        var count = 0;
        foreach (var item in pending)
            if (item.Record is not null) count++;
        return count;
    }

    /// <summary>A queued record, or (with <see cref="Flush"/> set and no record) a flush waiting for everything before it.</summary>
    private sealed record Pending(StoredCallRecord? Record, StoredElin? Elin, long QueuedAt, TaskCompletionSource? Flush);

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

        [LoggerMessage(EventId = 2226, Level = LogLevel.Information, Message = "Stopping: {Count} queued call records written")]
        public static partial void Flushed(ILogger logger, int count);

        [LoggerMessage(EventId = 2227, Level = LogLevel.Debug, Message = "Committed {Count} call records; the oldest was queued {LagMs:F1} ms earlier")]
        public static partial void Committed(ILogger logger, int count, double lagMs);
    }
}
