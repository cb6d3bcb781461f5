using LocationServer.Data.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Holds the StackExchange.Redis multiplexer behind the Redis seams. The multiplexer reconnects and restores channel
/// subscriptions by itself; this holder connects on the thread pool (no caller waits on the first connect beyond its
/// own command), makes commands fail at once while Redis is away (<see cref="BacklogPolicy.FailFast"/>) rather than
/// queueing them, and turns connection failures into <see cref="StorageUnavailableException"/>.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly ConfigurationOptions _options;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _multiplexer;
    private bool _disposed;

    public RedisConnection(string configuration, ILogger<RedisConnection> logger)
    {
        _options = ConfigurationOptions.Parse(configuration);
        _options.AbortOnConnectFail = false;
        _options.BacklogPolicy = BacklogPolicy.FailFast;
        if (!configuration.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase)) _options.ConnectTimeout = 2000;
        if (!configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase)) _options.SyncTimeout = 2000;
        if (!configuration.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase)) _options.AsyncTimeout = 2000;
        if (!configuration.Contains("keepAlive", StringComparison.OrdinalIgnoreCase)) _options.KeepAlive = 5;
        // A restarted server is found within about a second, not after an exponential back-off.
        _options.ReconnectRetryPolicy = new LinearRetry(1000);
        _logger = logger;
    }

    /// <summary>The log of the Redis seams built on this connection.</summary>
    public ILogger Logger => _logger;

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

    /// <summary>
    /// Registers a channel handler (subscribed in the background). The multiplexer keeps the handler across
    /// reconnects and subscribes it again whenever the server comes back, including after a failed first attempt.
    /// </summary>
    public void AddSubscription(RedisChannel channel, Action<RedisChannel, RedisValue> handler) =>
        _ = SubscribeAsync(channel, handler);

    private async Task SubscribeAsync(RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            var multiplexer = await MultiplexerAsync().ConfigureAwait(false);
            await multiplexer.GetSubscriber().SubscribeAsync(channel, handler).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.SubscribeFailed(_logger, e.Message);
        }
    }

    private Task<ConnectionMultiplexer> MultiplexerAsync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // A connect that threw (rather than returning a multiplexer that keeps retrying) is tried again on next use.
            if (_multiplexer is { IsFaulted: false, IsCanceled: false } existing) return existing;
            return _multiplexer = Task.Run(() => ConnectionMultiplexer.ConnectAsync(_options));
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
        if (multiplexer is { IsCompletedSuccessfully: true }) multiplexer.Result.Dispose();
        else multiplexer?.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Redis subscription failed, retried when the connection is restored: {Reason}")]
        public static partial void SubscribeFailed(ILogger logger, string reason);
    }
}
