using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Whether the configured Redis answers: a <c>PING</c> on the shared connection. Registered only when
/// <c>ConnectionStrings:Redis</c> is set; readiness reports its answer.
/// </summary>
public sealed class RedisHealth
{
    private readonly RedisConnection _connection;

    internal RedisHealth(RedisConnection connection) => _connection = connection;

    /// <summary>True when Redis answered a PING; false when the connection is down or the ping failed.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            await _connection.RunAsync(db => db.PingAsync()).ConfigureAwait(false);
            return true;
        }
        catch (Storage.StorageUnavailableException)
        {
            return false;
        }
        catch (RedisException)
        {
            return false;
        }
    }
}
