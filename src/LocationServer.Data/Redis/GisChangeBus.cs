using System.Globalization;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Tells every node that a GIS data version was stored, so each loads it promptly. Best effort like
/// <see cref="IWiremapChangeBus"/>; nodes also poll <see cref="Storage.GisStore.GetLatestVersionAsync"/>.
/// </summary>
public interface IGisChangeBus
{
    /// <summary>Announces that <paramref name="version"/> is stored.</summary>
    Task PublishAsync(long version);

    /// <summary>Calls <paramref name="onStored"/> for announced versions above the highest already delivered. Dispose to unsubscribe.</summary>
    IDisposable Subscribe(Action<long> onStored);
}

/// <summary>GIS change notifications within this process (single node).</summary>
internal sealed class InProcessGisChangeBus : IGisChangeBus
{
    private readonly ChangeSubscriptions _subscriptions = new();

    public Task PublishAsync(long version)
    {
        _subscriptions.Raise(version);
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(Action<long> onStored) => _subscriptions.Add(onStored);
}

/// <summary>GIS change notifications over the Redis pub/sub channel <c>locationserver:gis</c>; the message is the version in decimal.</summary>
internal sealed class RedisGisChangeBus : IGisChangeBus
{
    public const string Channel = "locationserver:gis";
    private readonly RedisConnection _connection;
    private readonly ChangeSubscriptions _subscriptions = new();

    public RedisGisChangeBus(RedisConnection connection)
    {
        _connection = connection;
        _connection.AddSubscription(RedisChannel.Literal(Channel), (_, message) =>
        {
            if (long.TryParse((string?)message, NumberStyles.Integer, CultureInfo.InvariantCulture, out var version))
                _subscriptions.Raise(version);
        });
    }

    public async Task PublishAsync(long version) =>
        await _connection.RunAsync(db => db.PublishAsync(RedisChannel.Literal(Channel), version.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);

    public IDisposable Subscribe(Action<long> onStored) => _subscriptions.Add(onStored);
}
