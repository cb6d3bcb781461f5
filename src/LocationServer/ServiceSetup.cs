using LocationServer.Admin;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.HeldHttp;
using LocationServer.Locating.Configuration;
using LocationServer.Locating.Gis;
using LocationServer.Locating.Held;
using LocationServer.Locating.Tokens;
using LocationServer.Locating.Wiremap;
using LocationServer.Wiremap;
using Microsoft.Extensions.Options;

namespace LocationServer;

/// <summary>Registration of what every feature shares: storage, the index, tokens, time.</summary>
internal static class ServiceSetup
{
    public static IServiceCollection AddLocationServerCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddLocationStorage(configuration);
        services.AddSingleton<WiremapIndexHolder>();
        services.AddSingleton<WiremapLoader>();
        services.AddSingleton<IReloadLoop>(sp => sp.GetRequiredService<WiremapLoader>());
        services.AddHostedService(sp => sp.GetRequiredService<WiremapLoader>());
        services.AddSingleton(sp => new WiremapImporter(
            sp.GetRequiredService<WiremapStore>(), sp, sp.GetRequiredService<IOptions<AdminOptions>>().Value.MaxWiremapBytes));
        services.AddSingleton(sp => new Locating.Imports.CsvImporter(
            sp.GetRequiredService<WiremapStore>(), sp, sp.GetRequiredService<IOptions<AdminOptions>>().Value.MaxWiremapBytes, sp.GetRequiredService<ILogger<Locating.Imports.CsvImporter>>()));
        services.AddSingleton<WiremapChangeApplier>();
        services.AddValidatedOptions<TokenOptions>(configuration, TokenOptions.Section);
        services.AddSingleton<LocationTokenService>();
        services.AddSingleton<DeviceReportQueue>();
        services.AddSingleton<DeviceClaims>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceReportQueue>());
        services.AddValidatedOptions<HeldLimitOptions>(configuration, HeldLimitOptions.Section);
        services.AddSingleton<HeldSourceLimiter>();
        services.AddSingleton<UnknownNetworkEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<UnknownNetworkEvents>());
        services.AddSingleton<NomadicAddressService>();
        services.AddSingleton<CurrentLocationResolver>();
        services.AddGis(configuration);
        return services;
    }

    /// <summary>
    /// The embedded default (SQLite) applies its migrations and seeds the demo tenant into an empty database at start.
    /// PostgreSQL is never migrated at start: run the <c>migrate</c> command from a deployment job.
    /// </summary>
    public static async Task PrepareStorageAsync(this WebApplication app)
    {
        var configuration = app.Configuration;
        var embedded = string.IsNullOrEmpty(configuration.GetConnectionString("Postgres"));
        if (embedded) await StorageSetup.MigrateAsync(app.Services).ConfigureAwait(false);
        var seed = configuration.GetValue("Demo:Seed", embedded);
        if (!seed) return;
        var store = app.Services.GetRequiredService<WiremapStore>();
        if (await store.GetTenantAsync(DemoWiremap.TenantId, CancellationToken.None).ConfigureAwait(false) is null &&
            (await store.LoadAllAsync(CancellationToken.None).ConfigureAwait(false)).Tenants.Count == 0)
        {
            await store.ReplaceTenantAsync(DemoWiremap.Create(), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
