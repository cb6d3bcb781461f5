using System.Diagnostics;
using LocationServer.Core.Matching;
using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using LocationServer.Locating.Telemetry;

namespace LocationServer.Locating.Wiremap;

/// <summary>
/// Keeps the in-memory wiremap index in step with the store (see <see cref="ReloadLoop{TVersion}"/>): loads it
/// before the service reports ready, rebuilds it when a change is announced on the change bus (Redis pub/sub across
/// replicas), and also polls the store's version every <see cref="DefaultPollInterval"/> so a lost announcement costs
/// at most that long. The new index is built off the request path and swapped in whole.
/// </summary>
internal sealed partial class WiremapLoader(
    WiremapStore store,
    WiremapIndexHolder holder,
    IWiremapChangeBus bus,
    LocationServerTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<WiremapLoader> logger) : ReloadLoop<long>(DefaultPollInterval, timeProvider)
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(500);

    public override string Name => "wiremap";

    protected override Task<long> GetStoredVersionAsync(CancellationToken cancellationToken) => store.GetVersionAsync(cancellationToken);

    protected override bool IsCurrent(long stored) => holder.IsLoaded && stored <= holder.Current.Version;

    protected override async Task LoadAsync(long stored, CancellationToken cancellationToken)
    {
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

    protected override IDisposable Subscribe(Action onAnnounced) => bus.Subscribe(_ => onAnnounced());

    protected override void LogReloadFailed(Exception exception) => Log.LoadFailed(logger, exception);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Wiremap version {Version} loaded: {Elements} elements in {Milliseconds:F0} ms")]
        public static partial void Loaded(ILogger logger, long version, int elements, double milliseconds);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Wiremap reload failed; serving the index in force")]
        public static partial void LoadFailed(ILogger logger, Exception exception);
    }
}
