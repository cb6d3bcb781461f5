using System.Threading.Channels;
using LocationServer.Data.Storage;
using Microsoft.Extensions.Options;
using StoredAlert = LocationServer.Data.Storage.StoredAlert;
using StoredCallRecord = LocationServer.Data.Storage.CallRecord;
using StoredElin = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Routing;

/// <summary>
/// Writes call records and the callback windows (ELIN assignments) they opened in the background, in groups: a
/// routed call is answered as soon as its route is decided and its record is queued; the writer commits whatever
/// was queued meanwhile in one transaction, so the records of calls routed at the same moment share one durable
/// write, and a record is normally committed within milliseconds of the answer (tens of milliseconds under load).
/// The alerts those calls raised go to the alert ledger with their records (<see cref="Enqueue"/>), and other alerts
/// (<see cref="EnqueueAlert"/>) in the same transactions, rather than one transaction per alert.
/// </summary>
/// <remarks>
/// <para>
/// An accepted record is never dropped because the store is away. When a commit fails for want of the store, its
/// records stay in memory (at most <see cref="MaxBacklog"/>) and are retried with backoff until the store returns.
/// Alerts for the ledger are held the same way, in the same queue and journal, so a desk can still acknowledge an
/// alert raised during an outage once the store is back.
/// Commits are idempotent (<see cref="WiremapStore.CommitCallsAsync"/>: a record whose id is already stored is left
/// as it is), so a retry after a lost acknowledgement writes nothing twice. A graceful stop commits what is still
/// queued once more.
/// </para>
/// <para>
/// While the store is away, and only then, every held record is also appended to a local journal
/// (<see cref="CallRecordJournal"/>, <c>Routing:CallRecords:JournalPath</c>), flushed to the disk per batch, as soon
/// as it arrives; so a crash during an outage loses none. Past <see cref="MaxBacklog"/> the oldest held records
/// leave memory but stay in the journal. At start the writer replays the journal into the store; once everything in
/// it is committed it is emptied. While the store is up the journal is not touched (the hot path has no disk I/O),
/// unless calls arrive faster than the store commits them for so long that more than <see cref="MaxBacklog"/> wait:
/// then the oldest go to the journal rather than away, as during an outage.
/// </para>
/// <para>
/// What a crash (kill -9, power loss) can still lose is what was queued and not yet committed while the store was
/// up: the records of the calls answered during the last commit and the wait before it (see docs/operations.md,
/// "Call records and the crash window"). Other nodes hear of an ELIN assignment from the ELIN bus as the call is
/// routed, not from this write.
/// </para>
/// </remarks>
internal sealed partial class CallRecordWriter(
    WiremapStore store, TimeProvider time, ILogger<CallRecordWriter> logger, IOptions<CallRecordOptions>? options = null) : BackgroundService
{
    /// <summary>Records per transaction, at most.</summary>
    private const int MaxBatch = 512;

    /// <summary>Records held while the store is away before the oldest are given up: 100,000.</summary>
    public const int MaxBacklog = 100_000;

    /// <summary>
    /// Least time from the start of one commit to the start of the next: 10 ms. An idle writer commits a lone record
    /// at once; under load, calls gather for up to this long, so the fixed cost of a transaction (and of waking the
    /// writer) is shared by more records, at most this much later.
    /// </summary>
    public static readonly TimeSpan MinCommitInterval = TimeSpan.FromMilliseconds(10);

    private static readonly TimeProvider Pacing = TimeProvider.System;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string? _journalPath = options?.Value.JournalPath is { Length: > 0 } path ? path : null;
    private volatile bool _deferring;
    private int _queued;
    private CallRecordJournal? _journal;

    /// <summary>The journal holds records not yet known to be committed.</summary>
    private bool _journalInUse;

    /// <summary>Some of them are no longer held in memory (backlog cap): the journal itself must be replayed.</summary>
    private bool _journalHoldsMore;

    /// <summary>Whether records are being held because the store is away (diagnostics and tests).</summary>
    public bool Deferring => _deferring;

    /// <summary>Records (and flushes) queued and not yet taken by the writer (diagnostics and tests).</summary>
    public int QueueLength => Volatile.Read(ref _queued);

    /// <summary>
    /// Queues <paramref name="record"/> (and the ELIN assignment the call made, if any, and the alert it raised, for
    /// the alert ledger) for the next group commit and returns at once: true when the store is taking writes, false
    /// when it is away and the record is held until it returns.
    /// </summary>
    /// <exception cref="StorageUnavailableException">The writer has stopped (the process is shutting down).</exception>
    public bool Enqueue(StoredCallRecord record, StoredElin? elin, StoredAlert? alert = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(new Pending(record, elin, time.GetTimestamp(), null) { Alert = alert }))
        {
            Interlocked.Decrement(ref _queued);
            throw new StorageUnavailableException("The call record writer is stopped.");
        }
        return !_deferring;
    }

    /// <summary>
    /// Queues a raised alert for the alert ledger (the <c>alerts</c> table, where desks acknowledge it), committed with
    /// the next group of call records. The task completes once it is committed, or once it is held for the store's
    /// return as call records are (in memory and in the journal); it fails when the store refuses it, or when it is
    /// given up (past <see cref="MaxBacklog"/> with no journal to keep it, or unwritten at shutdown).
    /// </summary>
    /// <exception cref="StorageUnavailableException">The writer has stopped (through the task).</exception>
    public Task EnqueueAlert(StoredAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(new Pending(null, null, time.GetTimestamp(), done) { Alert = alert }))
        {
            Interlocked.Decrement(ref _queued);
            return Task.FromException(new StorageUnavailableException("The call record writer is stopped."));
        }
        return done.Task;
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
        var lastCommit = 0L;
        try
        {
            // Off the host's start: reading back a journal takes a moment.
            await Task.Yield();
            OpenJournal(pending);
            while (true)
            {
                // Whatever arrived during the previous commit is the next group: no timer, so an idle writer
                // commits a lone record at once and a busy one commits larger groups.
                if (pending.Count == 0 && !await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false)) break;
                // Paced by the machine's clock, not the service's: this is about sharing CPU, and a clock that stands
                // still (a test's) must not stop the writer.
                var sinceLast = Pacing.GetElapsedTime(lastCommit);
                if (!_deferring && sinceLast < MinCommitInterval) await Task.Delay(MinCommitInterval - sinceLast, Pacing, stoppingToken).ConfigureAwait(false);
                lastCommit = Pacing.GetTimestamp();
                Drain(pending);
                // While the store is away, what arrived is journaled before the next (possibly slow) attempt.
                if (_deferring) Spill(pending);
                Trim(pending);
                if (await CommitAsync(pending).ConfigureAwait(false) && await EmptyJournalAsync().ConfigureAwait(false))
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
                Spill(pending);
                // Held records count as settled for a flush (waiting for the store's return is not a flush), and a
                // held alert as accepted: it is written when the store returns.
                ReleaseHeld(pending);
                await HoldAsync(pending, retry, stoppingToken).ConfigureAwait(false);
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
        if (await CommitAsync(pending).ConfigureAwait(false) && await EmptyJournalAsync().ConfigureAwait(false)) Log.Flushed(logger, queued);
        else
        {
            Spill(pending);
            var unjournaled = pending.Count(p => p.Held && !p.Journaled);
            if (_journalInUse) Log.KeptInJournal(logger, pending.Count(p => p.Held) - unjournaled, _journal!.FilePath);
            if (unjournaled > 0) Log.LostAtShutdown(logger, unjournaled);
        }
        // What is left is journaled (written at the next start) or lost (logged above).
        foreach (var item in pending) item.Settle(item.Held && !item.Journaled ? new StorageUnavailableException("The location database is unavailable and the alert could not be journaled before shutdown: it is not recorded.") : null);
        _journal?.Dispose();
        _journal = null;
    }

    /// <summary>
    /// Waits until <paramref name="retry"/> has passed, journaling what arrives meanwhile as it arrives (the store
    /// is away), so that the records of calls routed during an outage are on the disk within moments.
    /// </summary>
    private async Task HoldAsync(List<Pending> pending, TimeSpan retry, CancellationToken stoppingToken)
    {
        using var timer = new CancellationTokenSource(retry, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, stoppingToken);
        while (true)
        {
            try
            {
                if (!await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
            Drain(pending);
            Spill(pending);
            Trim(pending);
            ReleaseHeld(pending);
        }
    }

    /// <summary>Opens the journal and takes back into <paramref name="pending"/> what a previous run left in it.</summary>
    private void OpenJournal(List<Pending> pending)
    {
        if (_journalPath is null) return;
        JournalContents contents;
        try
        {
            _journal = CallRecordJournal.Open(_journalPath);
            contents = _journal.ReadAll();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Validated at start, so this is the disk failing: records are still held in memory during an outage.
            Log.JournalUnavailable(logger, _journalPath, e);
            _journal?.Dispose();
            _journal = null;
            return;
        }
        if (contents.TornBytes > 0) Log.JournalTorn(logger, contents.TornBytes, _journal.FilePath);
        if (contents.Entries.Count == 0) return;
        Log.Replaying(logger, contents.Entries.Count, _journal.FilePath);
        _journalInUse = true;
        var now = time.GetTimestamp();
        foreach (var entry in contents.Entries) pending.Add(new Pending(entry.Record, entry.Elin, now, null) { Alert = entry.Alert, Journaled = true });
        Trim(pending);
    }

    /// <summary>
    /// Appends the held records not yet journaled to the journal (one batch, one fsync): all of them, or those among
    /// the first <paramref name="count"/> entries.
    /// </summary>
    private void Spill(List<Pending> pending, int count = int.MaxValue)
    {
        if (_journal is null) return;
        var entries = new List<JournalEntry>();
        count = Math.Min(count, pending.Count);
        for (var i = 0; i < count; i++)
            if (pending[i] is { Held: true, Journaled: false } item) entries.Add(new JournalEntry(item.Record, item.Elin, item.Alert));
        if (entries.Count == 0) return;
        try
        {
            _journal.Append(entries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.JournalWriteFailed(logger, entries.Count, e);
            return;
        }
        for (var i = 0; i < count; i++) pending[i].Journaled = pending[i].Held;
        _journalInUse = true;
        if (logger.IsEnabled(LogLevel.Debug)) Log.Journaled(logger, entries.Count);
    }

    /// <summary>
    /// Once everything held in memory is committed: replays what only the journal still holds (if anything left
    /// memory at the backlog cap), then empties it. False when the store went away again meanwhile.
    /// </summary>
    private async Task<bool> EmptyJournalAsync()
    {
        if (!_journalInUse || _journal is null) return true;
        var replayed = 0;
        if (_journalHoldsMore)
        {
            var entries = _journal.ReadAll().Entries;
            var batch = new List<Pending>(MaxBatch);
            for (var i = 0; i < entries.Count; i += MaxBatch)
            {
                batch.Clear();
                for (var j = i; j < Math.Min(i + MaxBatch, entries.Count); j++) batch.Add(new Pending(entries[j].Record, entries[j].Elin, 0, null) { Alert = entries[j].Alert });
                if (!await CommitAsync(batch).ConfigureAwait(false)) return false;
            }
            replayed = entries.Count;
        }
        try
        {
            _journal.Clear();
        }
        catch (IOException e)
        {
            // Left as it is: the next start replays it, and the store ignores what it already holds.
            Log.JournalWriteFailed(logger, 0, e);
        }
        _journalInUse = false;
        _journalHoldsMore = false;
        Log.JournalEmptied(logger, replayed);
        return true;
    }

    private void Drain(List<Pending> pending)
    {
        while (_queue.Reader.TryRead(out var item))
        {
            Interlocked.Decrement(ref _queued);
            pending.Add(item);
        }
    }

    /// <summary>The ledger's row of a raised alert; <paramref name="json"/> is its webhook JSON.</summary>
    internal static StoredAlert ToLedger(AlertMessage alert, string json) =>
        new(alert.Id, alert.Tenant, Alerts.AlertEventNames.Wire(alert.Event), alert.At.UtcDateTime, json);

    /// <summary>
    /// Past <see cref="MaxBacklog"/> held records, the oldest leave memory: into the journal first (whether the store
    /// is away or only slower than the calls arriving, a flood), given up only when there is no journal or the disk
    /// refuses them.
    /// </summary>
    private void Trim(List<Pending> pending)
    {
        if (pending.Count <= MaxBacklog) return;
        var over = pending.Count - MaxBacklog;
        if (!_deferring && !_journalHoldsMore && _journal is not null) Log.Overflowing(logger, MaxBacklog, _journal.FilePath);
        Spill(pending, over);
        var givenUp = 0;
        var journaled = 0;
        for (var i = 0; i < over; i++)
        {
            var item = pending[i];
            if (!item.Held || item.Journaled)
            {
                if (item.Held) journaled++;
                item.Settle(null);
                continue;
            }
            givenUp++;
            item.Settle(new StorageUnavailableException($"More than {MaxBacklog} call records and alerts wait for the location database and the journal cannot keep them: the alert is not recorded."));
        }
        pending.RemoveRange(0, over);
        if (journaled > 0) _journalHoldsMore = true;
        if (givenUp > 0) Log.BacklogFull(logger, givenUp, MaxBacklog);
    }

    /// <summary>Commits <paramref name="pending"/> in batches, removing what was committed; false when the store is away.</summary>
    private async Task<bool> CommitAsync(List<Pending> pending)
    {
        var records = new List<StoredCallRecord>(Math.Min(MaxBatch, pending.Count));
        var elins = new List<StoredElin>();
        var alerts = new List<StoredAlert>();
        while (pending.Count > 0)
        {
            var count = Math.Min(MaxBatch, pending.Count);
            records.Clear();
            elins.Clear();
            alerts.Clear();
            var oldest = 0L;
            for (var i = 0; i < count; i++)
            {
                if (pending[i].Alert is { } alert) alerts.Add(alert);
                if (pending[i].Record is not { } record) continue;
                if (records.Count == 0) oldest = pending[i].QueuedAt;
                records.Add(record);
                if (pending[i].Elin is { } elin) elins.Add(elin);
            }
            Exception? refused = null;
            if (records.Count > 0 || alerts.Count > 0)
            {
                try
                {
                    // Not the stopping token: records already accepted are written even during shutdown.
                    await store.CommitCallsAsync(records, elins, alerts, CancellationToken.None).ConfigureAwait(false);
                    if (records.Count > 0 && logger.IsEnabled(LogLevel.Debug))
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
                    Log.Rejected(logger, records.Count + alerts.Count, ex);
                    refused = ex;
                }
            }
            for (var i = 0; i < count; i++)
                if (pending[i].Record is null) pending[i].Settle(refused);
            pending.RemoveRange(0, count);
        }
        return true;
    }

    /// <summary>
    /// While the store is away: completes the flushes (everything before them is committed or held) and the held
    /// alerts (accepted; written when it returns), and leaves only the held records and alerts in <paramref name="pending"/>.
    /// </summary>
    private static void ReleaseHeld(List<Pending> pending)
    {
        foreach (var item in pending) item.Settle(null);
        pending.RemoveAll(p => !p.Held);
    }

    private static int Records(List<Pending> pending)
    {
        var count = 0;
        foreach (var item in pending)
            if (item.Record is not null) count++;
        return count;
    }

    /// <summary>
    /// A queued record; or an alert for the ledger (<see cref="Alert"/>, completing <see cref="Flush"/> once
    /// committed); or, with <see cref="Flush"/> set and neither, a flush waiting for everything before it.
    /// </summary>
    private sealed class Pending(StoredCallRecord? record, StoredElin? elin, long queuedAt, TaskCompletionSource? flush)
    {
        public StoredCallRecord? Record { get; } = record;

        public StoredElin? Elin { get; } = elin;

        public long QueuedAt { get; } = queuedAt;

        public TaskCompletionSource? Flush { get; } = flush;

        /// <summary>A record or an alert: written to the store, held while it is away, never merely settled.</summary>
        public bool Held => Record is not null || Alert is not null;

        /// <summary>Appended to the journal (the store was away).</summary>
        public bool Journaled { get; set; }

        /// <summary>An alert to record in the ledger: alone, or the alert of <see cref="Record"/>'s call.</summary>
        public StoredAlert? Alert { get; init; }

        /// <summary>Completes a flush or an alert: committed (or given up, for a flush), or why the alert was not recorded.</summary>
        public void Settle(Exception? failure)
        {
            if (failure is not null && Alert is not null) Flush?.TrySetException(failure);
            else Flush?.TrySetResult();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2221, Level = LogLevel.Error, Message = "The location database is unavailable: {Count} call records are held (in memory and in the journal) and retried until it returns")]
        public static partial void Deferring(ILogger logger, int count);

        [LoggerMessage(EventId = 2222, Level = LogLevel.Information, Message = "The location database is back: held call records are written")]
        public static partial void Recovered(ILogger logger);

        [LoggerMessage(EventId = 2223, Level = LogLevel.Critical, Message = "{Count} held call records and alerts were given up: more than {Capacity} were waiting for the location database")]
        public static partial void BacklogFull(ILogger logger, int count, int capacity);

        [LoggerMessage(EventId = 2224, Level = LogLevel.Critical, Message = "{Count} call records and alerts could not be written before shutdown: the location database is unavailable")]
        public static partial void LostAtShutdown(ILogger logger, int count);

        [LoggerMessage(EventId = 2225, Level = LogLevel.Error, Message = "{Count} call records were refused by the location database")]
        public static partial void Rejected(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = 2226, Level = LogLevel.Information, Message = "Stopping: {Count} queued call records written")]
        public static partial void Flushed(ILogger logger, int count);

        [LoggerMessage(EventId = 2227, Level = LogLevel.Debug, Message = "Committed {Count} call records; the oldest was queued {LagMs:F1} ms earlier")]
        public static partial void Committed(ILogger logger, int count, double lagMs);

        [LoggerMessage(EventId = 2228, Level = LogLevel.Warning, Message = "Replaying {Count} call records from the journal {Path} into the location database")]
        public static partial void Replaying(ILogger logger, int count, string path);

        [LoggerMessage(EventId = 2229, Level = LogLevel.Warning, Message = "The call-record journal {Path} ended in a torn write ({Bytes} bytes, a record being appended when the process died): cut off")]
        public static partial void JournalTorn(ILogger logger, long bytes, string path);

        [LoggerMessage(EventId = 2230, Level = LogLevel.Critical, Message = "The call-record journal {Path} cannot be opened: call records held during a database outage are kept in memory only")]
        public static partial void JournalUnavailable(ILogger logger, string path, Exception exception);

        [LoggerMessage(EventId = 2231, Level = LogLevel.Critical, Message = "{Count} held call records could not be written to the journal: they are kept in memory only")]
        public static partial void JournalWriteFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = 2232, Level = LogLevel.Debug, Message = "Journaled {Count} call records")]
        public static partial void Journaled(ILogger logger, int count);

        [LoggerMessage(EventId = 2233, Level = LogLevel.Information, Message = "The call-record journal is committed and emptied ({Replayed} records replayed from the file)")]
        public static partial void JournalEmptied(ILogger logger, int replayed);

        [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Call records arrive faster than the location database commits them: past {Capacity} held in memory, the oldest are kept in the journal {Path} until it catches up")]
        public static partial void Overflowing(ILogger logger, int capacity, string path);

        [LoggerMessage(EventId = 2234, Level = LogLevel.Warning, Message = "Stopping: {Count} call records and alerts (and any the journal held before) are kept in the journal {Path} for the next start")]
        public static partial void KeptInJournal(ILogger logger, int count, string path);
    }
}
