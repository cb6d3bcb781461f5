using LocationServer.Core.Endpoints;
using LocationServer.Data.Endpoints;

namespace LocationServer.Routing.Endpoints;

/// <summary>
/// Keeps the in-memory endpoint directory in step with the store, the way the wiremap loader keeps the wiremap
/// index: a change announced on the change bus (Redis pub/sub across replicas) triggers a reload at once, and the
/// per-tenant versions are polled every <see cref="PollInterval"/> so a lost announcement costs at most that long.
/// Only tenants whose version moved are read again; each is swapped in whole.
/// </summary>
internal sealed partial class EndpointDirectoryLoader(
    EndpointDirectoryStore store,
    EndpointDirectoryHolder holder,
    IEndpointDirectoryChangeBus bus,
    ILogger<EndpointDirectoryLoader> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private readonly SemaphoreSlim _reload = new(1, 1);

    /// <summary>Reads every tenant whose stored version differs from the one in force, and drops tenants gone from the store.</summary>
    public async Task ReloadChangedAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await store.ListVersionsAsync(cancellationToken).ConfigureAwait(false);
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
        finally
        {
            _reload.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = bus.Subscribe(_ => Task.Run(() => SafeReloadAsync(stoppingToken), stoppingToken));
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            await SafeReloadAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task SafeReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadChangedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The directory in force keeps answering; the next tick or announcement tries again.
            Log.LoadFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2701, Level = LogLevel.Debug, Message = "Endpoint directory of tenant {Tenant} version {Version} loaded: {Endpoints} endpoints, {Users} users")]
        public static partial void Loaded(ILogger logger, string tenant, long version, int endpoints, int users);

        [LoggerMessage(EventId = 2702, Level = LogLevel.Warning, Message = "Endpoint directory reload failed; serving the directory in force")]
        public static partial void LoadFailed(ILogger logger, Exception exception);
    }
}
