using LocationServer.Data.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Owns the StackExchange.Redis 1.2.6 multiplexer behind the Redis seams. 1.2.6 reconnects on its own in most
/// cases; as a guard, a watchdog rebuilds the multiplexer (and re-subscribes every channel) when it has been
/// disconnected for longer than <see cref="RebuildAfter"/>. Operations while Redis is down fail fast with
/// <see cref="StorageUnavailableException"/>.
/// </summary>
internal sealed partial class RedisConnection : IDisposable
{
    private readonly ConfigurationOptions _options;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lock _gate = new();
    private readonly List<(RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)> _subscriptions = [];
    private readonly Timer _watchdog;
    private ConnectionMultiplexer? _multiplexer;
    private bool _subscribed;
    private DateTime? _disconnectedSince;
    private bool _disposed;

    public RedisConnection(string configuration, ILogger<RedisConnection> logger)
    {
        _options = ConfigurationOptions.Parse(configuration);
        _options.AbortOnConnectFail = false;
        if (!configuration.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase)) _options.ConnectTimeout = 2000;
        if (!configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase)) _options.SyncTimeout = 2000;
        if (!configuration.Contains("keepAlive", StringComparison.OrdinalIgnoreCase)) _options.KeepAlive = 5;
        _logger = logger;
        _watchdog = new Timer(_ => Watch(), null, WatchInterval, WatchInterval);
    }

    /// <summary>How long the multiplexer may stay disconnected before it is replaced. Default 3 s.</summary>
    public TimeSpan RebuildAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often the watchdog looks. 500 ms.</summary>
    public static TimeSpan WatchInterval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Number of times the multiplexer was rebuilt (diagnostics and tests).</summary>
    public int Rebuilds { get; private set; }

    /// <summary>Runs one command; connection failures become <see cref="StorageUnavailableException"/>.</summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            return await command(Multiplexer().GetDatabase()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException or TimeoutException)
        {
            throw new StorageUnavailableException("Redis is unavailable: " + e.Message, e);
        }
    }

    /// <summary>Registers a channel handler that survives reconnects and rebuilds.</summary>
    public void AddSubscription(RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        ConnectionMultiplexer multiplexer;
        lock (_gate)
        {
            _subscriptions.Add((channel, handler));
            multiplexer = MultiplexerLocked();
        }
        TrySubscribe(multiplexer, [(channel, handler)]);
    }

    private ConnectionMultiplexer Multiplexer()
    {
        lock (_gate) return MultiplexerLocked();
    }

    private ConnectionMultiplexer MultiplexerLocked()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_multiplexer is null)
        {
            _multiplexer = ConnectionMultiplexer.Connect(_options);
            _subscribed = _subscriptions.Count == 0;
        }
        return _multiplexer;
    }

    private void TrySubscribe(ConnectionMultiplexer multiplexer, IReadOnlyList<(RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)> subscriptions)
    {
        try
        {
            var subscriber = multiplexer.GetSubscriber();
            foreach (var (channel, handler) in subscriptions) subscriber.Subscribe(channel, handler);
            lock (_gate) if (ReferenceEquals(multiplexer, _multiplexer)) _subscribed = true;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            // The watchdog retries once the server answers again.
            Log.SubscribeFailed(_logger, e.Message);
            lock (_gate) if (ReferenceEquals(multiplexer, _multiplexer)) _subscribed = false;
        }
    }

    private void Watch()
    {
        ConnectionMultiplexer? resubscribe = null;
        ConnectionMultiplexer? retired = null;
        List<(RedisChannel, Action<RedisChannel, RedisValue>)> subscriptions;
        lock (_gate)
        {
            if (_disposed || _multiplexer is null) return;
            subscriptions = [.. _subscriptions];
            if (_multiplexer.IsConnected)
            {
                _disconnectedSince = null;
                if (!_subscribed) resubscribe = _multiplexer;
            }
            else
            {
                var now = DateTime.UtcNow;
                _disconnectedSince ??= now;
                if (now - _disconnectedSince.Value >= RebuildAfter)
                {
                    // Replace the multiplexer rather than trusting 1.2.6's reconnect loop indefinitely.
                    retired = _multiplexer;
                    _multiplexer = ConnectionMultiplexer.Connect(_options);
                    _subscribed = subscriptions.Count == 0;
                    _disconnectedSince = null;
                    Rebuilds++;
                    if (_multiplexer.IsConnected && !_subscribed) resubscribe = _multiplexer;
                }
            }
        }
        if (retired is not null)
        {
            Log.Rebuilt(_logger);
            try { retired.Close(allowCommandsToComplete: false); }
            catch (Exception e) when (e is RedisException or ObjectDisposedException) { }
            retired.Dispose();
        }
        if (resubscribe is not null && subscriptions.Count > 0) TrySubscribe(resubscribe, subscriptions);
    }

    public void Dispose()
    {
        ConnectionMultiplexer? multiplexer;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            multiplexer = _multiplexer;
            _multiplexer = null;
        }
        _watchdog.Dispose();
        multiplexer?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Redis subscription failed, will retry: {Reason}")]
        public static partial void SubscribeFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Redis connection stayed down; rebuilt the multiplexer")]
        public static partial void Rebuilt(ILogger logger);
    }
}
