using LocationServer.Data.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Data.Tests.Storage;

public sealed class SqliteWiremapStoreTests(SqliteDatabaseFixture database) : WiremapStoreTests<SqliteDatabaseFixture>(database)
{
    protected override void ClearPools() => SqliteConnection.ClearAllPools();

    [Fact]
    public async Task Sqlite_UnopenablePath_ThrowsStorageUnavailable()
    {
        // A directory where the file should be: SQLite cannot open it.
        var directory = Path.Combine(Path.GetTempPath(), "ls-data-dir-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var fixture = new UnreachableSqlite(directory);
            await Assert.ThrowsAsync<StorageUnavailableException>(() => fixture.CreateStore().GetVersionAsync());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class UnreachableSqlite(string path) : DatabaseFixture
    {
        internal override StorageSettings Settings => new(null, path, null);

        public override Task DisposeAsync() => Task.CompletedTask;
    }
}

public sealed class StorageSetupTests
{
    [Fact]
    public async Task AddLocationStorage_NoPostgres_UsesSqliteFileAndMigratesIt()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ls-data-setup-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "nested", "ls.db");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:SqlitePath"] = path }).Build();
        Assert.Equal(StorageProvider.Sqlite, StorageSetup.GetProvider(configuration));
        try
        {
            await using (var services = new ServiceCollection().AddLocationStorage(configuration).BuildServiceProvider())
            {
                await StorageSetup.MigrateAsync(services);
                Assert.True(File.Exists(path));
                var store = services.GetRequiredService<WiremapStore>();
                Assert.Equal(1, await store.ReplaceTenantAsync(Samples.Wiremap()));
                Assert.IsType<LocationServer.Data.Redis.InProcessDeviceStateStore>(services.GetRequiredService<LocationServer.Data.Redis.IDeviceStateStore>());
                Assert.IsType<LocationServer.Data.Redis.InProcessWiremapChangeBus>(services.GetRequiredService<LocationServer.Data.Redis.IWiremapChangeBus>());
            }
            SqliteConnection.ClearAllPools();

            // The file is the state: a second "process" sees the committed wiremap.
            await using (var services = new ServiceCollection().AddLocationStorage(configuration).BuildServiceProvider())
            {
                var (tenants, version) = await services.GetRequiredService<WiremapStore>().LoadAllAsync();
                Assert.Equal(1, version);
                Assert.Equal(Samples.Canonical(Samples.Wiremap()), Samples.Canonical(Assert.Single(tenants)));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AddLocationStorage_PostgresConnectionString_SelectsPostgres()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=x",
        }).Build();
        Assert.Equal(StorageProvider.Postgres, StorageSetup.GetProvider(configuration));
    }

    [Fact]
    public void AddLocationStorage_DefaultPath_IsDataDirectory()
    {
        var settings = StorageSettings.From(new ConfigurationBuilder().Build());
        Assert.Equal(StorageProvider.Sqlite, settings.Provider);
        Assert.Equal("data/locationserver.db", settings.SqlitePath);
        Assert.Null(settings.Redis);
    }
}
