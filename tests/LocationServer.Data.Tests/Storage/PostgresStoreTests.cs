using LocationServer.Data.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LocationServer.Data.Tests.Storage;

[Collection(PostgresCollection.Name)]
public sealed class PostgresWiremapStoreTests(PostgresDatabaseFixture database) : WiremapStoreTests<PostgresDatabaseFixture>(database)
{
    protected override void ClearPools() => NpgsqlConnection.ClearAllPools();

    [Fact]
    public async Task Postgres_ServerUnreachable_ThrowsStorageUnavailable()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=2",
        }).Build();
        await using var services = new ServiceCollection().AddLocationStorage(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<WiremapStore>();
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetVersionAsync());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ReplaceTenantAsync(Samples.Wiremap()));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => StorageSetup.MigrateAsync(services));
    }

    [Fact]
    public async Task Postgres_ServerRestart_CommittedRecordsSurviveAndStoreRecovers()
    {
        var restart = TestServers.PostgresRestart;
        var store = Database.CreateStore();
        var tenant = "restart-" + Guid.NewGuid().ToString("N")[..8];
        var now = new DateTime(2026, 11, 22, 13, 0, 0, DateTimeKind.Utc);
        var version = await store.ReplaceTenantAsync(Samples.Wiremap(tenant));
        await store.AddCallRecordAsync(Call(tenant, now, test: false));
        await store.UpsertElinAsync(new ElinAssignment(tenant, "+15125550190", "+15125550123", "aus-3-301", now, now.AddHours(4)));

        await TestServers.RunShellAsync(restart);

        // The same store instance (its pooled connections were cut by the restart) works again shortly.
        var recovered = await TestServers.EventuallyAsync(() => store.GetVersionAsync(), TimeSpan.FromSeconds(20));
        Assert.Equal(version, recovered);
        Assert.Single(await store.ListCallRecordsAsync(tenant, now, now.AddSeconds(1), 10));
        Assert.NotNull(await store.FindElinAsync(tenant, "+15125550190", now.AddHours(1)));
        Assert.Equal(Samples.Canonical(Samples.Wiremap(tenant)), Samples.Canonical((await store.GetTenantAsync(tenant))!));
    }
}
