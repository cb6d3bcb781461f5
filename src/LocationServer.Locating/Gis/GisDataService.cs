using System.Diagnostics;
using LocationServer.Core.Gis;
using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using LocationServer.Locating.Configuration;
using Microsoft.Extensions.Options;

namespace LocationServer.Locating.Gis;

/// <summary>GIS data settings, section <c>Gis</c>.</summary>
internal sealed class GisOptions : IValidatedOptions
{
    public const string Section = "Gis";

    /// <summary>How often each node checks the store for a newer GIS version (announcements usually come first). Default 10 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Distance of an interpolated point from the centerline, in metres. Default 10.</summary>
    public double OffsetMetres { get; set; } = GisIndexBuilder.DefaultOffsetMetres;

    /// <summary>Largest GIS file accepted by the admin upload, in bytes. Default 512 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 512L << 20;

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (PollInterval < TimeSpan.FromSeconds(1) || PollInterval > TimeSpan.FromHours(1))
            yield return $"Gis:PollInterval must lie between 00:00:01 and 01:00:00; it is {PollInterval}.";
        if (!double.IsFinite(OffsetMetres) || OffsetMetres < 0 || OffsetMetres > 100)
            yield return $"Gis:OffsetMetres must lie between 0 and 100; it is {OffsetMetres}.";
        if (MaxUploadBytes < 1024)
            yield return $"Gis:MaxUploadBytes must be at least 1024; it is {MaxUploadBytes}.";
    }
}

/// <summary>The outcome of loading a GIS file: the stored version (null when nothing usable was found) and the loader's report.</summary>
internal sealed record GisLoadResult(GisDataset? Dataset, GisLoadReport Report, string? Error);

/// <summary>
/// Loads the authority's GIS data: a file offered by the CLI or the admin API is read (every usable feature, each
/// unusable one reported), stored as the next version (its bytes, so every replica builds the same index) and swapped
/// in; every node also loads a newer stored version when it is announced or found by polling. Building happens off
/// the request path and the new index replaces the old one whole.
/// </summary>
internal sealed partial class GisDataService(
    GisStore store,
    GisIndexHolder holder,
    IOptions<GisOptions> options,
    ILogger<GisDataService> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _unreadable;

    /// <summary>Reads <paramref name="path"/>, stores it as a new version when it holds usable features, and installs it here.</summary>
    public async Task<GisLoadResult> LoadFileAsync(string path, string name, CancellationToken cancellationToken)
    {
        if (GisFileReader.FormatOf(name) is not { } format)
            return new GisLoadResult(null, new GisLoadReport(new Dictionary<string, int>(), []), $"'{name}' is not a .gpkg (GeoPackage), .zip (shapefiles) or .csv (MSAG) file.");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var builder = new GisIndexBuilder { OffsetMetres = options.Value.OffsetMetres };
            GisLoadReport report;
            try
            {
                report = GisFileReader.Read(path, format, builder);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidDataException or IOException or FormatException or CsvHelper.CsvFormatException)
            {
                return new GisLoadResult(null, new GisLoadReport(new Dictionary<string, int>(), []), $"'{name}' could not be read: {ex.Message}");
            }
            var features = report.Loaded.Values.Sum();
            if (features == 0)
                return new GisLoadResult(null, report, $"'{name}' holds no usable feature of the NENA layers (SiteStructureAddressPoint, RoadCenterLine, PsapPolygon, …) or MSAG ranges.");
            var content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            var dataset = await store.SaveAsync(name, FormatName(format), content, features, report.Problems.Count, cancellationToken).ConfigureAwait(false);
            var index = builder.Build(new GisVersion(dataset.Version, dataset.Name, new DateTimeOffset(dataset.LoadedUtc, TimeSpan.Zero)));
            var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (holder.Swap(index)) Log.Loaded(logger, dataset.Version, index.AddressPointCount, index.SegmentCount, index.AreaCount, milliseconds);
            return new GisLoadResult(dataset, report, null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The newest stored version that could not be read, or 0: it is not read again until a newer one is stored.</summary>
    public long UnreadableVersion => Volatile.Read(ref _unreadable);

    /// <summary>Loads the store's newest version when it is newer than the index in force.</summary>
    public async Task ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var latest = await store.GetLatestVersionAsync(cancellationToken).ConfigureAwait(false);
            if (latest == 0 || latest <= holder.Current.Version.Number || latest == UnreadableVersion) return;
            var started = Stopwatch.GetTimestamp();
            if (await store.LoadLatestAsync(cancellationToken).ConfigureAwait(false) is not { } stored) return;
            var (dataset, content) = stored;
            var format = GisFileReader.FormatOf("file." + dataset.Format) ?? GisFormat.GeoPackage;
            var path = Path.Combine(Path.GetTempPath(), $"locationserver-gis-{Guid.NewGuid():N}.{dataset.Format}");
            try
            {
                await File.WriteAllBytesAsync(path, content, cancellationToken).ConfigureAwait(false);
                var builder = new GisIndexBuilder { OffsetMetres = options.Value.OffsetMetres };
                try
                {
                    GisFileReader.Read(path, format, builder);
                }
                catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidDataException or FormatException or CsvHelper.CsvFormatException)
                {
                    // Validation is never on the emergency path: the index in force keeps answering, and this
                    // version is not read again (nor does it hold readiness back) until a newer one is stored.
                    Volatile.Write(ref _unreadable, dataset.Version);
                    Log.Unreadable(logger, dataset.Version, ex);
                    return;
                }
                var index = builder.Build(new GisVersion(dataset.Version, dataset.Name, new DateTimeOffset(dataset.LoadedUtc, TimeSpan.Zero)));
                var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (holder.Swap(index)) Log.Loaded(logger, dataset.Version, index.AddressPointCount, index.SegmentCount, index.AreaCount, milliseconds);
            }
            finally
            {
                File.Delete(path);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private static string FormatName(GisFormat format) => format switch
    {
        GisFormat.GeoPackage => "gpkg",
        GisFormat.ShapefileZip => "zip",
        _ => "csv",
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 4711, Level = LogLevel.Information, Message = "GIS data version {Version} in force: {Points} address points, {Segments} segments, {Areas} polygons, built in {Milliseconds:F0} ms")]
        public static partial void Loaded(ILogger logger, long version, int points, int segments, int areas, double milliseconds);

        [LoggerMessage(EventId = 5500, Level = LogLevel.Error, Message = "Stored GIS data version {Version} cannot be read; serving the index in force until a newer version is stored")]
        public static partial void Unreadable(ILogger logger, long version, Exception exception);
    }
}

/// <summary>
/// Keeps this node's GIS index on the newest stored version with the same reload loop as the wiremap index
/// (<see cref="ReloadLoop{TVersion}"/>): at start, on announcements, and by polling every <c>Gis:PollInterval</c>.
/// </summary>
internal sealed partial class GisLoader(
    GisDataService data,
    GisStore store,
    GisIndexHolder holder,
    IGisChangeBus bus,
    IOptions<GisOptions> options,
    TimeProvider timeProvider,
    ILogger<GisLoader> logger) : ReloadLoop<long>(options.Value.PollInterval, timeProvider)
{
    public override string Name => "gis";

    protected override Task<long> GetStoredVersionAsync(CancellationToken cancellationToken) => store.GetLatestVersionAsync(cancellationToken);

    protected override bool IsCurrent(long stored) => stored == 0 || stored <= holder.Current.Version.Number || stored == data.UnreadableVersion;

    protected override Task LoadAsync(long stored, CancellationToken cancellationToken) => data.ReloadIfChangedAsync(cancellationToken);

    protected override IDisposable Subscribe(Action onAnnounced) => bus.Subscribe(_ => onAnnounced());

    // The index in force keeps answering (validation is never on the emergency path); the next tick retries.
    protected override void LogReloadFailed(Exception exception) => Log.ReloadFailed(logger, exception);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4712, Level = LogLevel.Warning, Message = "GIS data reload failed; serving the index in force")]
        public static partial void ReloadFailed(ILogger logger, Exception exception);
    }
}

/// <summary>Registration of the GIS data feature.</summary>
internal static class GisSetup
{
    public static IServiceCollection AddGis(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<GisOptions>(configuration, GisOptions.Section);
        services.AddSingleton<GisIndexHolder>();
        services.AddSingleton<GisDataService>();
        services.AddSingleton<WiremapAddressCheck>();
        services.AddSingleton<GisLoader>();
        services.AddSingleton<IReloadLoop>(sp => sp.GetRequiredService<GisLoader>());
        services.AddHostedService(sp => sp.GetRequiredService<GisLoader>());
        return services;
    }
}
