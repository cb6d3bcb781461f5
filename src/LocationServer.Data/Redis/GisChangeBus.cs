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
internal sealed class InProcessGisChangeBus : InProcessVersionBus, IGisChangeBus;

/// <summary>GIS change notifications over the Redis pub/sub channel <c>locationserver:gis</c>.</summary>
internal sealed class RedisGisChangeBus(RedisConnection connection) : RedisVersionBus(connection, Channel), IGisChangeBus
{
    public const string Channel = "locationserver:gis";
}
