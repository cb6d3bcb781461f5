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

/// <summary>Change notifications within this process (single node).</summary>
internal sealed class InProcessWiremapChangeBus : IWiremapChangeBus
{
    private readonly ChangeSubscriptions _subscriptions = new();

    public Task PublishAsync(long version)
    {
        _subscriptions.Raise(version);
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(Action<long> onCommitted) => _subscriptions.Add(onCommitted);
}

/// <summary>Change notifications over the Redis pub/sub channel <c>locationserver:wiremap</c>; the message is the version in decimal.</summary>
internal sealed class RedisWiremapChangeBus : IWiremapChangeBus
{
    public const string Channel = "locationserver:wiremap";
    private readonly RedisConnection _connection;
    private readonly ChangeSubscriptions _subscriptions = new();

    public RedisWiremapChangeBus(RedisConnection connection)
    {
        _connection = connection;
        // One Redis subscription per connection, fanned out locally; the multiplexer restores it after a reconnect.
        _connection.AddSubscription(RedisChannel.Literal(Channel), (_, message) =>
        {
            if (long.TryParse((string?)message, NumberStyles.Integer, CultureInfo.InvariantCulture, out var version))
                _subscriptions.Raise(version);
        });
    }

    public async Task PublishAsync(long version) =>
        await _connection.RunAsync(db => db.PublishAsync(RedisChannel.Literal(Channel), version.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);

    public IDisposable Subscribe(Action<long> onCommitted) => _subscriptions.Add(onCommitted);
}
