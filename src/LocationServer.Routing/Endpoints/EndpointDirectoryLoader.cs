using LocationServer.Core.Endpoints;
using LocationServer.Data.Endpoints;
using LocationServer.Data.Storage;

namespace LocationServer.Routing.Endpoints;

/// <summary>
/// Keeps the in-memory endpoint directory in step with the store with the same reload loop as the wiremap index
/// (<see cref="ReloadLoop{TVersion}"/>): a change announced on the change bus (Redis pub/sub across replicas)
/// triggers a reload at once, and the per-tenant versions are polled every <see cref="DefaultPollInterval"/> so a
/// lost announcement costs at most that long. Only tenants whose version moved are read again; each is swapped in
/// whole, and tenants gone from the store are dropped.
/// </summary>
internal sealed partial class EndpointDirectoryLoader(
    EndpointDirectoryStore store,
    EndpointDirectoryHolder holder,
    IEndpointDirectoryChangeBus bus,
    TimeProvider timeProvider,
    ILogger<EndpointDirectoryLoader> logger) : ReloadLoop<IReadOnlyDictionary<string, long>>(DefaultPollInterval, timeProvider)
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(500);

    public override string Name => "endpointDirectory";

    protected override Task<IReadOnlyDictionary<string, long>> GetStoredVersionAsync(CancellationToken cancellationToken) =>
        store.ListVersionsAsync(cancellationToken);

    protected override bool IsCurrent(IReadOnlyDictionary<string, long> stored)
    {
        if (!holder.IsLoaded) return false;
        var current = holder.Versions();
        return current.Count == stored.Count && stored.All(s => current.TryGetValue(s.Key, out var inForce) && inForce == s.Value);
    }

    protected override async Task LoadAsync(IReadOnlyDictionary<string, long> stored, CancellationToken cancellationToken)
    {
        var current = holder.Versions();
        foreach (var (tenant, version) in stored)
        {
            if (current.TryGetValue(tenant, out var inForce) && inForce == version) continue;
            var data = await store.LoadTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
            var directory = TenantDirectory.Build(data);
            if (holder.Swap(directory)) Log.Loaded(logger, tenant, directory.Version, directory.EndpointCount, directory.UserCount);
        }
        foreach (var tenant in current.Keys)
            if (!stored.ContainsKey(tenant)) holder.Remove(tenant);
        holder.MarkLoaded();
    }

    protected override IDisposable Subscribe(Action onAnnounced) => bus.Subscribe(_ => onAnnounced());

    protected override void LogReloadFailed(Exception exception) => Log.LoadFailed(logger, exception);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2701, Level = LogLevel.Debug, Message = "Endpoint directory of tenant {Tenant} version {Version} loaded: {Endpoints} endpoints, {Users} users")]
        public static partial void Loaded(ILogger logger, string tenant, long version, int endpoints, int users);

        [LoggerMessage(EventId = 2702, Level = LogLevel.Warning, Message = "Endpoint directory reload failed; serving the directory in force")]
        public static partial void LoadFailed(ILogger logger, Exception exception);
    }
}
