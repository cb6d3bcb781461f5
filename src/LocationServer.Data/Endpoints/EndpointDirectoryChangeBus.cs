using LocationServer.Data.Redis;
using StackExchange.Redis;

namespace LocationServer.Data.Endpoints;

/// <summary>
/// Tells every node that a tenant's endpoint directory changed, so each reloads that tenant promptly; the same
/// pattern as the wiremap's change bus. Delivery is best effort; nodes also poll the per-tenant versions.
/// </summary>
public interface IEndpointDirectoryChangeBus
{
    /// <summary>Announces a committed change of <paramref name="tenant"/>'s directory.</summary>
    Task PublishAsync(string tenant);

    /// <summary>Calls <paramref name="onChanged"/> with the tenant of each announcement. Dispose to unsubscribe.</summary>
    IDisposable Subscribe(Action<string> onChanged);
}

/// <summary>Change notifications within this process (single node).</summary>
internal sealed class InProcessEndpointDirectoryChangeBus : IEndpointDirectoryChangeBus
{
    private readonly Lock _gate = new();
    private List<Action<string>> _handlers = [];

    public Task PublishAsync(string tenant)
    {
        foreach (var handler in Volatile.Read(ref _handlers)) handler(tenant);
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(Action<string> onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        lock (_gate) _handlers = [.. _handlers, onChanged];
        return new Unsubscriber(() =>
        {
            lock (_gate) _handlers = [.. _handlers.Where(h => h != onChanged)];
        });
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>Change notifications over the Redis pub/sub channel <c>locationserver:endpoints</c>; the message is the tenant id.</summary>
internal sealed class RedisEndpointDirectoryChangeBus : IEndpointDirectoryChangeBus
{
    public const string Channel = "locationserver:endpoints";
    private readonly RedisConnection _connection;
    private readonly InProcessEndpointDirectoryChangeBus _local = new();

    public RedisEndpointDirectoryChangeBus(RedisConnection connection)
    {
        _connection = connection;
        // One Redis subscription per connection, fanned out locally; the multiplexer restores it after a reconnect.
        _connection.AddSubscription(RedisChannel.Literal(Channel), (channel, message) =>
        {
            if (!message.IsNullOrEmpty) _ = _local.PublishAsync(message.ToString());
        });
    }

    public async Task PublishAsync(string tenant) =>
        await _connection.RunAsync(db => db.PublishAsync(RedisChannel.Literal(Channel), tenant)).ConfigureAwait(false);

    public IDisposable Subscribe(Action<string> onChanged) => _local.Subscribe(onChanged);
}
