using LocationServer.Data.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Owns the StackExchange.Redis 1.2.6 multiplexer behind the Redis seams. Two workarounds for 1.2.6 live here:
/// connecting and subscribing only through its async APIs (its synchronous Connect blocks a thread-pool thread
/// on work that needs the thread pool, which took from seconds to minutes on a busy 2-core host), and a watchdog
/// that rebuilds the multiplexer (re-subscribing every channel) when it stays disconnected longer than
/// <see cref="RebuildAfter"/>. Operations while Redis is down fail fast with <see cref="StorageUnavailableException"/>.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly ConfigurationOptions _options;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lock _gate = new();
    private readonly List<(RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)> _subscriptions = [];
    private readonly Timer _watchdog;
    private Task<ConnectionMultiplexer>? _multiplexer;
    private bool _subscribed;
    private DateTime? _disconnectedSince;
    private int _watching;
    private bool _disposed;

    public RedisConnection(string configuration, ILogger<RedisConnection> logger)
    {
        _options = ConfigurationOptions.Parse(configuration);
        _options.AbortOnConnectFail = false;
        if (!configuration.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase)) _options.ConnectTimeout = 2000;
        if (!configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase)) _options.SyncTimeout = 2000;
        if (!configuration.Contains("keepAlive", StringComparison.OrdinalIgnoreCase)) _options.KeepAlive = 5;
        _logger = logger;
        _watchdog = new Timer(_ => _ = WatchAsync(), null, WatchInterval, WatchInterval);
    }

    /// <summary>How long the multiplexer may stay disconnected before it is replaced. Default 3 s.</summary>
    public TimeSpan RebuildAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often the watchdog looks: 500 ms.</summary>
    public static TimeSpan WatchInterval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Number of times the multiplexer was rebuilt (diagnostics and tests).</summary>
    public int Rebuilds { get; private set; }

    /// <summary>Runs one command; connection failures become <see cref="StorageUnavailableException"/>.</summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            var multiplexer = await MultiplexerAsync().ConfigureAwait(false);
            return await command(multiplexer.GetDatabase()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException or TimeoutException)
        {
            throw new StorageUnavailableException("Redis is unavailable: " + e.Message, e);
        }
    }

    /// <summary>Registers a channel handler that survives reconnects and rebuilds (subscribed in the background).</summary>
    public void AddSubscription(RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        lock (_gate)
        {
            _subscriptions.Add((channel, handler));
            _subscribed = false;
        }
        _ = SubscribeAllAsync();
    }

    private Task<ConnectionMultiplexer> MultiplexerAsync()
    {
        TaskCompletionSource<ConnectionMultiplexer> pending;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_multiplexer is { } existing) return existing;
            pending = new TaskCompletionSource<ConnectionMultiplexer>(TaskCreationOptions.RunContinuationsAsynchronously);
            _multiplexer = pending.Task;
        }
        // 1.2.6's ConnectAsync does part of its work before it returns the task; start it on the thread pool so no
        // caller (nor the lock) waits on it and callers' own time limits apply.
        _ = Task.Run(async () =>
        {
            try
            {
                pending.TrySetResult(await ConnectionMultiplexer.ConnectAsync(_options).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                pending.TrySetException(e);
            }
        });
        return pending.Task;
    }

    private async Task SubscribeAllAsync()
    {
        Task<ConnectionMultiplexer> current;
        List<(RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)> subscriptions;
        try
        {
            current = MultiplexerAsync();
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        lock (_gate) subscriptions = [.. _subscriptions];
        try
        {
            var multiplexer = await current.ConfigureAwait(false);
            var subscriber = multiplexer.GetSubscriber();
            // Unsubscribe first so a repeated subscribe never registers a handler twice.
            foreach (var channel in subscriptions.Select(s => s.Channel).Distinct())
                await subscriber.UnsubscribeAsync(channel).ConfigureAwait(false);
            foreach (var (channel, handler) in subscriptions)
                await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
            lock (_gate) if (ReferenceEquals(current, _multiplexer)) _subscribed = true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The watchdog retries once the server answers again.
            Log.SubscribeFailed(_logger, e.Message);
        }
    }

    private async Task WatchAsync()
    {
        if (Interlocked.Exchange(ref _watching, 1) == 1) return;
        try
        {
            Task<ConnectionMultiplexer>? current;
            lock (_gate) current = _disposed ? null : _multiplexer;
            if (current is null || !current.IsCompleted) return;
            var multiplexer = await current.ConfigureAwait(false);
            bool resubscribe;
            ConnectionMultiplexer? retired = null;
            lock (_gate)
            {
                if (_disposed || !ReferenceEquals(current, _multiplexer)) return;
                if (multiplexer.IsConnected)
                {
                    _disconnectedSince = null;
                    resubscribe = !_subscribed && _subscriptions.Count > 0;
                }
                else
                {
                    var now = DateTime.UtcNow;
                    _disconnectedSince ??= now;
                    resubscribe = false;
                    if (now - _disconnectedSince.Value >= RebuildAfter)
                    {
                        // Replace the multiplexer rather than trusting 1.2.6's reconnect loop indefinitely.
                        retired = multiplexer;
                        _multiplexer = null;
                        _subscribed = false;
                        _disconnectedSince = null;
                        Rebuilds++;
                        resubscribe = _subscriptions.Count > 0;
                    }
                }
            }
            if (retired is not null)
            {
                Log.Rebuilt(_logger);
                await retired.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
                retired.Dispose();
            }
            if (resubscribe) await SubscribeAllAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.SubscribeFailed(_logger, e.Message);
        }
        finally
        {
            Volatile.Write(ref _watching, 0);
        }
    }

    public void Dispose()
    {
        Task<ConnectionMultiplexer>? multiplexer;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            multiplexer = _multiplexer;
            _multiplexer = null;
        }
        _watchdog.Dispose();
        if (multiplexer is { IsCompletedSuccessfully: true }) multiplexer.Result.Dispose();
        else multiplexer?.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Redis subscription failed, will retry: {Reason}")]
        public static partial void SubscribeFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Redis connection stayed down; rebuilt the multiplexer")]
        public static partial void Rebuilt(ILogger logger);
    }
}
