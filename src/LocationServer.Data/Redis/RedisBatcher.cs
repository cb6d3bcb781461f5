using System.Threading.Channels;
using LocationServer.Data.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Sends what the call path announces on Redis in groups: <see cref="Add"/> queues an item and returns, and one loop
/// hands whatever gathered to the send function, at most <see cref="MaxBatch"/> items at once and no more often than
/// every <see cref="Interval"/>. A flood of 911 calls then makes a few large commands instead of one command, one
/// socket write and one echo back per call; a quiet service announces within milliseconds.
/// </summary>
/// <remarks>
/// Best effort, as the fire-and-forget commands it replaces: while Redis is away a group is lost to the other nodes
/// (logged when that starts and when it ends), and a group still gathering when the process dies is lost too.
/// Items are sent in the order they were added. Past <see cref="MaxQueued"/> waiting items, the oldest are dropped.
/// </remarks>
internal sealed partial class RedisBatcher<T>
{
    /// <summary>Least time between two sends: 2 ms.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(2);

    /// <summary>Items per send, at most.</summary>
    public const int MaxBatch = 256;

    /// <summary>Items waiting to be sent, at most (about a few seconds of a flood at the measured call rates).</summary>
    public const int MaxQueued = 100_000;

    private readonly Channel<Entry> _queue = Channel.CreateBounded<Entry>(new BoundedChannelOptions(MaxQueued)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly Func<IReadOnlyList<T>, Task> _send;
    private readonly ILogger _logger;
    private readonly string _what;
    private bool _failing;

    /// <param name="what">What is announced, for the log ("call windows").</param>
    /// <param name="send">Sends one group; throws when Redis is away.</param>
    /// <param name="logger">Where failures are logged.</param>
    public RedisBatcher(string what, Func<IReadOnlyList<T>, Task> send, ILogger logger)
    {
        _what = what;
        _send = send;
        _logger = logger;
        _ = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="item"/> for the next group.</summary>
    public void Add(T item) => _queue.Writer.TryWrite(new Entry(item, null));

    /// <summary>Completes once everything added before the call has been handed to Redis (or failed to be).</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite(new Entry(default!, done)) ? done.Task : Task.CompletedTask;
    }

    private async Task RunAsync()
    {
        var batch = new List<T>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Gather: whatever the call path adds meanwhile goes in the same group.
            await Task.Delay(Interval, TimeProvider.System).ConfigureAwait(false);
            while (batch.Count < MaxBatch && reader.TryRead(out var entry))
            {
                if (entry.Flush is { } flush) flushes.Add(flush);
                else batch.Add(entry.Item);
            }
            if (batch.Count > 0) await SendAsync(batch).ConfigureAwait(false);
            foreach (var flush in flushes) flush.TrySetResult();
            batch.Clear();
            flushes.Clear();
        }
    }

    private async Task SendAsync(List<T> batch)
    {
        try
        {
            await _send(batch).ConfigureAwait(false);
            if (_failing)
            {
                _failing = false;
                Log.Recovered(_logger, _what);
            }
        }
        catch (Exception ex) when (ex is StorageUnavailableException or RedisException or TimeoutException or ObjectDisposedException)
        {
            if (_failing) return;
            _failing = true;
            Log.Failed(_logger, _what, ex);
        }
    }

    private readonly record struct Entry(T Item, TaskCompletionSource? Flush);

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Redis is unavailable: {What} are not announced to the other nodes until it returns")]
        public static partial void Failed(ILogger logger, string what, Exception exception);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Redis is back: {What} are announced to the other nodes again")]
        public static partial void Recovered(ILogger logger, string what);
    }
}
