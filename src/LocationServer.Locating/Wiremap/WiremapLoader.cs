using System.Diagnostics;
using LocationServer.Core.Matching;
using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using LocationServer.Telemetry;

namespace LocationServer.Wiremap;

/// <summary>
/// Keeps the in-memory wiremap index in step with the store: loads it before the service reports ready, rebuilds
/// it when a change is announced on the change bus (Redis pub/sub across replicas), and also polls the store's
/// version every <see cref="PollInterval"/> so a lost announcement costs at most that long. The new index is built
/// off the request path and swapped in whole.
/// </summary>
internal sealed partial class WiremapLoader(
    WiremapStore store,
    WiremapIndexHolder holder,
    IWiremapChangeBus bus,
    LocationServerTelemetry telemetry,
    ILogger<WiremapLoader> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private readonly SemaphoreSlim _reload = new(1, 1);

    /// <summary>Loads the store's wiremap now if its version is newer than the index in force.</summary>
    public async Task ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (holder.IsLoaded)
            {
                var version = await store.GetVersionAsync(cancellationToken).ConfigureAwait(false);
                if (version <= holder.Current.Version) return;
            }
            var started = Stopwatch.GetTimestamp();
            var (tenants, loadedVersion) = await store.LoadAllAsync(cancellationToken).ConfigureAwait(false);
            var index = WiremapIndex.Build(tenants, loadedVersion);
            if (holder.Swap(index))
            {
                telemetry.WiremapReloads.Add(1);
                var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Log.Loaded(logger, loadedVersion, index.ElementCount, milliseconds);
            }
        }
        finally
        {
            _reload.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // An announcement only triggers a reload; the version itself is read from the store.
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
            await ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The index in force keeps answering; the next tick or announcement tries again.
            Log.LoadFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Wiremap version {Version} loaded: {Elements} elements in {Milliseconds:F0} ms")]
        public static partial void Loaded(ILogger logger, long version, int elements, double milliseconds);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Wiremap reload failed; serving the index in force")]
        public static partial void LoadFailed(ILogger logger, Exception exception);
    }
}
