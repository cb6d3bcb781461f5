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

    [Fact]
    public async Task CommitCalls_HotInsert_StoresEveryColumnExactlyAsEfDoes()
    {
        // The call-record commit binds values itself on SQLite; EF's own insert path is the reference.
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..12];
        var time = new DateTime(2026, 12, 4, 14, 5, 6, DateTimeKind.Utc).AddTicks(1_234_500);
        var viaEf = new CallRecord(Guid.CreateVersion7(), tenant, time, "911", "+15125550123", "", "token", null,
            "Bâtiment 3, Étage 2, 東京 ✆", "psap", "sip:psap@example.net", "Austin PSAP", "+15125550100", true, "call-1", "uk-sites");
        var viaCommit = viaEf with { Id = Guid.CreateVersion7() };
        var elinEf = new ElinAssignment(tenant, "+15125550190", "+15125550123", "aus-3-301", time, time.AddHours(1));
        var elinCommit = elinEf with { Elin = "+15125550191" };
        var alertEf = new StoredAlert("a1-" + tenant, tenant, "emergency-call", time, """{"caller":"Zoë"}""");
        var alertCommit = alertEf with { Id = "a2-" + tenant };
        var store = Database.CreateStore();
        await store.AddCallRecordAsync(viaEf);
        await store.UpsertElinAsync(elinEf);
        await store.RecordAlertAsync(alertEf);
        await store.CommitCallsAsync([viaCommit], [elinCommit], [alertCommit]);

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database.Settings.SqlitePath }.ToString());
        await connection.OpenAsync();
        var ef = await StoredAsync(connection, tenant, "call_records", "id", viaEf.Id.ToString());
        var commit = await StoredAsync(connection, tenant, "call_records", "id", viaCommit.Id.ToString());
        Assert.Equal(ef.Keys, commit.Keys);
        foreach (var column in ef.Keys.Where(c => c != "id")) Assert.Equal((column, ef[column]), (column, commit[column]));
        // The key: the same type and spelling (case included), only the value differs.
        Assert.Equal(ef["id"].Replace(viaEf.Id.ToString(), "*", StringComparison.OrdinalIgnoreCase), commit["id"].Replace(viaCommit.Id.ToString(), "*", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(ef["id"].Any(char.IsLower), commit["id"].Any(char.IsLower));

        var elinStored = await StoredAsync(connection, tenant, "elin_assignments", "elin", elinEf.Elin);
        var elinCommitted = await StoredAsync(connection, tenant, "elin_assignments", "elin", elinCommit.Elin);
        Assert.Equal(elinStored.Where(c => c.Key != "elin"), elinCommitted.Where(c => c.Key != "elin"));
        var alertStored = await StoredAsync(connection, tenant, "alerts", "id", alertEf.Id);
        var alertCommitted = await StoredAsync(connection, tenant, "alerts", "id", alertCommit.Id);
        Assert.Equal(alertStored.Where(c => c.Key != "id"), alertCommitted.Where(c => c.Key != "id"));
    }

    /// <summary>Each column of one row as SQLite holds it: its storage class and its SQL literal.</summary>
    private static async Task<Dictionary<string, string>> StoredAsync(SqliteConnection connection, string tenant, string table, string key, string value)
    {
        var columns = new List<string>();
        await using (var info = connection.CreateCommand())
        {
            info.CommandText = $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid";
            await using var reader = await info.ExecuteReaderAsync();
            while (await reader.ReadAsync()) columns.Add(reader.GetString(0));
        }
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", columns.Select(c => $"typeof(\"{c}\") || ' ' || quote(\"{c}\")"))} FROM \"{table}\" WHERE tenant_id = $tenant AND upper(\"{key}\") = upper($key)";
        command.Parameters.AddWithValue("$key", value);
        command.Parameters.AddWithValue("$tenant", tenant);
        await using var row = await command.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync(), $"no {table} row {value}");
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++) stored[columns[i]] = row.GetString(i);
        return stored;
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
