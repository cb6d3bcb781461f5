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

/// <summary>
/// Tells every node that a PSAP boundary version was committed, so each rebuilds its boundary index promptly. Best
/// effort like <see cref="IWiremapChangeBus"/>; nodes also poll <see cref="Storage.PsapBoundaryStore.GetVersionAsync"/>.
/// </summary>
public interface IPsapBoundaryChangeBus
{
    /// <summary>Announces that <paramref name="version"/> is committed.</summary>
    Task PublishAsync(long version);

    /// <summary>Calls <paramref name="onCommitted"/> for announced versions above the highest already delivered. Dispose to unsubscribe.</summary>
    IDisposable Subscribe(Action<long> onCommitted);
}

/// <summary>PSAP boundary change notifications within this process (single node).</summary>
internal sealed class InProcessPsapBoundaryChangeBus : InProcessVersionBus, IPsapBoundaryChangeBus;

/// <summary>PSAP boundary change notifications over the Redis pub/sub channel <c>locationserver:psap-boundaries</c>.</summary>
internal sealed class RedisPsapBoundaryChangeBus(RedisConnection connection) : RedisVersionBus(connection, Channel), IPsapBoundaryChangeBus
{
    public const string Channel = "locationserver:psap-boundaries";
}
