using System.Globalization;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Tells every node that a wiremap version was committed, so each reloads its in-memory index promptly.
/// Delivery is best effort (a node that was disconnected misses messages); nodes also poll
/// <see cref="Storage.WiremapStore.GetVersionAsync"/> as the backstop.
/// </summary>
public interface IWiremapChangeBus
{
    /// <summary>Announces that <paramref name="version"/> is committed.</summary>
    Task PublishAsync(long version);

    /// <summary>
    /// Calls <paramref name="onCommitted"/> for announced versions; a version not above the highest already
    /// delivered to this subscription is dropped (a reload to the newest covers it). Dispose to unsubscribe.
    /// </summary>
    IDisposable Subscribe(Action<long> onCommitted);
}

internal sealed class ChangeSubscriptions
{
    private readonly Lock _gate = new();
    private List<Subscription> _subscriptions = [];

    public IDisposable Add(Action<long> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, handler);
        lock (_gate) _subscriptions = [.. _subscriptions, subscription];
        return subscription;
    }

    public void Raise(long version)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions)) subscription.Deliver(version);
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate) _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
    }

    private sealed class Subscription(ChangeSubscriptions owner, Action<long> handler) : IDisposable
    {
        private long _highest = long.MinValue;

        public void Deliver(long version)
        {
            long seen;
            do
            {
                seen = Interlocked.Read(ref _highest);
                if (version <= seen) return;
            }
            while (Interlocked.CompareExchange(ref _highest, version, seen) != seen);
            handler(version);
        }

        public void Dispose() => owner.Remove(this);
    }
}

/// <summary>Version announcements within this process (single node): the base of every in-process version bus.</summary>
internal class InProcessVersionBus
{
    private readonly ChangeSubscriptions _subscriptions = new();

    public Task PublishAsync(long version)
    {
        _subscriptions.Raise(version);
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(Action<long> onAnnounced) => _subscriptions.Add(onAnnounced);
}

/// <summary>
/// Version announcements over one Redis pub/sub channel, the message being the version in decimal: the base of every
/// Redis version bus. One Redis subscription per connection, fanned out locally; the multiplexer restores it after a
/// reconnect.
/// </summary>
internal class RedisVersionBus
{
    private readonly RedisConnection _connection;
    private readonly RedisChannel _channel;
    private readonly ChangeSubscriptions _subscriptions = new();

    protected RedisVersionBus(RedisConnection connection, string channel)
    {
        _connection = connection;
        _channel = RedisChannel.Literal(channel);
        _connection.AddSubscription(_channel, (_, message) =>
        {
            if (long.TryParse((string?)message, NumberStyles.Integer, CultureInfo.InvariantCulture, out var version))
                _subscriptions.Raise(version);
        });
    }

    public async Task PublishAsync(long version) =>
        await _connection.RunAsync(db => db.PublishAsync(_channel, version.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);

    public IDisposable Subscribe(Action<long> onAnnounced) => _subscriptions.Add(onAnnounced);
}

/// <summary>Wiremap change notifications within this process (single node).</summary>
internal sealed class InProcessWiremapChangeBus : InProcessVersionBus, IWiremapChangeBus;

/// <summary>Wiremap change notifications over the Redis pub/sub channel <c>locationserver:wiremap</c>.</summary>
internal sealed class RedisWiremapChangeBus(RedisConnection connection) : RedisVersionBus(connection, Channel), IWiremapChangeBus
{
    public const string Channel = "locationserver:wiremap";
}
