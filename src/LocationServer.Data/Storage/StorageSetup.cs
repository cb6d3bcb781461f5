using LocationServer.Data.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocationServer.Data.Storage;

/// <summary>Which database the configuration selects.</summary>
public enum StorageProvider
{
    /// <summary>A local SQLite file (single node, development, small sites).</summary>
    Sqlite,
    /// <summary>PostgreSQL (several nodes share it).</summary>
    Postgres,
}

/// <summary>
/// Registers the storage: <c>ConnectionStrings:Postgres</c> present selects PostgreSQL, otherwise a SQLite file at
/// <c>Storage:SqlitePath</c> (default <c>data/locationserver.db</c>). <c>ConnectionStrings:Redis</c> present
/// ("host:port[,options]") selects the Redis device-state store and change bus; otherwise in-process ones.
/// </summary>
public static class StorageSetup
{
    /// <summary>Default SQLite file, relative to the working directory.</summary>
    public const string DefaultSqlitePath = "data/locationserver.db";

    /// <summary>Adds <see cref="WiremapStore"/>, <see cref="IDeviceStateStore"/>, <see cref="IDeviceBindingStore"/>, <see cref="IWiremapChangeBus"/>, <see cref="IElinAssignmentBus"/>, <see cref="ICallWatchBus"/> and <see cref="IAlertFeedBus"/> (all singletons), and <see cref="RedisHealth"/> when Redis is configured.</summary>
    public static IServiceCollection AddLocationStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = StorageSettings.From(configuration);
        services.AddSingleton(settings);
        services.AddPooledDbContextFactory<LocationDbContext>(options => Configure(options, settings));
        services.AddSingleton<IWiremapChangeBus>(sp => settings.Redis is { } redis
            ? new RedisWiremapChangeBus(sp.GetRequiredService<RedisConnection>())
            : new InProcessWiremapChangeBus());
        services.AddSingleton<IAlertFeedBus>(sp => settings.Redis is not null
            ? new RedisAlertFeedBus(sp.GetRequiredService<RedisConnection>())
            : new InProcessAlertFeedBus());
        services.AddSingleton<IElinAssignmentBus>(sp => settings.Redis is not null
            ? new RedisElinAssignmentBus(sp.GetRequiredService<RedisConnection>())
            : new InProcessElinAssignmentBus());
        services.AddSingleton<ICallWatchBus>(sp => settings.Redis is not null
            ? new RedisCallWatchBus(sp.GetRequiredService<RedisConnection>())
            : new InProcessCallWatchBus());
        services.AddSingleton<IDeviceStateStore>(sp => settings.Redis is not null
            ? new RedisDeviceStateStore(sp.GetRequiredService<RedisConnection>())
            : new InProcessDeviceStateStore(sp.GetService<TimeProvider>() ?? TimeProvider.System,
                int.TryParse(configuration["Storage:MaxDeviceReports"], System.Globalization.CultureInfo.InvariantCulture, out var cap) && cap > 0
                    ? cap : InProcessDeviceStateStore.DefaultCapacity));
        services.AddSingleton<IDeviceBindingStore>(sp => settings.Redis is not null
            ? new RedisDeviceBindingStore(sp.GetRequiredService<RedisConnection>())
            : new InProcessDeviceBindingStore(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        if (settings.Redis is { } configured)
        {
            services.AddSingleton(sp => new RedisConnection(configured, sp.GetService<ILoggerFactory>()?.CreateLogger<RedisConnection>() ?? NullLogger<RedisConnection>.Instance));
            services.AddSingleton(sp => new RedisHealth(sp.GetRequiredService<RedisConnection>()));
        }
        services.AddSingleton(sp => new WiremapStore(
            sp.GetRequiredService<IDbContextFactory<LocationDbContext>>(),
            sp.GetService<IWiremapChangeBus>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger<WiremapStore>() ?? NullLogger<WiremapStore>.Instance));
        // GIS data (validation, geocoding, civic LoST): shared by all tenants, announced on its own channel.
        services.AddSingleton<IGisChangeBus>(sp => settings.Redis is not null
            ? new RedisGisChangeBus(sp.GetRequiredService<RedisConnection>())
            : new InProcessGisChangeBus());
        services.AddSingleton(sp => new GisStore(
            sp.GetRequiredService<IDbContextFactory<LocationDbContext>>(),
            sp.GetService<IGisChangeBus>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger<GisStore>() ?? NullLogger<GisStore>.Instance));
        // PSAP service boundaries: stored, edited through the admin API, announced on their own channel.
        services.AddSingleton<IPsapBoundaryChangeBus>(sp => settings.Redis is not null
            ? new RedisPsapBoundaryChangeBus(sp.GetRequiredService<RedisConnection>())
            : new InProcessPsapBoundaryChangeBus());
        services.AddSingleton(sp => new PsapBoundaryStore(
            sp.GetRequiredService<IDbContextFactory<LocationDbContext>>(),
            sp.GetService<IPsapBoundaryChangeBus>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<PsapBoundaryStore>() ?? NullLogger<PsapBoundaryStore>.Instance));
        return services;
    }

    /// <summary>
    /// Applies pending migrations (creating the SQLite file's directory first). The host calls this at start only
    /// for SQLite; for PostgreSQL it is the explicit <c>migrate</c> command (or the chart's pre-upgrade Job).
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var factory = services.GetRequiredService<IDbContextFactory<LocationDbContext>>();
        var settings = services.GetRequiredService<StorageSettings>();
        await MigrateAsync(factory, settings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The provider the configuration selects, for the host's start-up decision and logs.</summary>
    public static StorageProvider GetProvider(IConfiguration configuration) => StorageSettings.From(configuration).Provider;

    internal static async Task MigrateAsync(IDbContextFactory<LocationDbContext> factory, StorageSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Provider == StorageProvider.Sqlite)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(settings.SqlitePath));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        }
        try
        {
            var context = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (context.ConfigureAwait(false))
            {
                await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
                if (settings.Provider == StorageProvider.Sqlite)
                    // WAL lets the HELD side read the wiremap while an import writes; it persists in the file.
                    await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (StorageFailure.IsInfrastructure(e))
        {
            throw new StorageUnavailableException("Cannot migrate the location database: " + e.Message, e);
        }
    }

    internal static void Configure(DbContextOptionsBuilder options, StorageSettings settings)
    {
        if (settings.Provider == StorageProvider.Postgres) options.UseNpgsql(settings.Postgres);
        else options.UseSqlite($"Data Source={settings.SqlitePath};Pooling=True;Default Timeout=30");
        // Migrations are hand-written without a model snapshot, so EF cannot compare; a test keeps model and
        // schema in step instead (it reads every column of every table on both providers).
        options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }
}

/// <summary>Storage settings read from configuration once at start.</summary>
internal sealed record StorageSettings(string? Postgres, string SqlitePath, string? Redis)
{
    public StorageProvider Provider => Postgres is null ? StorageProvider.Sqlite : StorageProvider.Postgres;

    public static StorageSettings From(IConfiguration configuration)
    {
        var postgres = configuration.GetConnectionString("Postgres");
        var redis = configuration.GetConnectionString("Redis");
        var path = configuration["Storage:SqlitePath"];
        return new StorageSettings(
            string.IsNullOrWhiteSpace(postgres) ? null : postgres,
            string.IsNullOrWhiteSpace(path) ? StorageSetup.DefaultSqlitePath : path,
            string.IsNullOrWhiteSpace(redis) ? null : redis);
    }
}

/// <summary>A context factory over fixed options (tests, tools).</summary>
internal sealed class FixedContextFactory(DbContextOptions<LocationDbContext> options) : IDbContextFactory<LocationDbContext>
{
    public LocationDbContext CreateDbContext() => new(options);
}
