using System.Security.Cryptography;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Imports;

/// <summary>The CSV import scenarios on the embedded default store (SQLite).</summary>
public sealed class SqliteCsvImportTests : CsvImportScenarios
{
    private readonly LocationServerFactory _factory = new();

    protected override IServiceProvider Services => _factory.Services;

    protected override async Task<HttpClient> StartAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _factory.DisposeAsync();
    }
}

/// <summary>The CSV import scenarios on PostgreSQL (a fresh, migrated database) with Redis, as deployed.</summary>
[Collection(RealServersCollection.Name)]
public sealed class PostgresCsvImportTests : CsvImportScenarios
{
    private string _database = "";
    private ReplicaFactory? _factory;

    protected override IServiceProvider Services => _factory!.Services;

    protected override async Task<HttpClient> StartAsync()
    {
        (_database, var connectionString) = await RealServers.CreateDatabaseAsync();
        _factory = new ReplicaFactory(connectionString, RealServers.Redis, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        await StorageSetup.MigrateAsync(_factory.Services);
        var version = await _factory.Services.GetRequiredService<WiremapStore>().ReplaceTenantAsync(DemoWiremap.Create());
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var holder = _factory.Services.GetRequiredService<WiremapIndexHolder>();
        await Poll.UntilAsync(() => holder.Current.Version >= version, TimeSpan.FromSeconds(10), "the demo wiremap loaded");
        return client;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_factory is not null) await _factory.DisposeAsync();
        await RealServers.DropDatabaseAsync(_database);
    }
}
