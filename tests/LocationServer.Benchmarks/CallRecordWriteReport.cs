using System.Diagnostics;
using System.Globalization;
using LocationServer.Data.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LocationServer.Benchmarks;

/// <summary>
/// The durable write a routed call waits for, without HTTP: call records (and, for every other call, an ELIN
/// assignment) committed through the store in group-commit batches of several sizes, on the embedded SQLite store
/// (a temporary directory) and, when a server is given, on a throwaway PostgreSQL database; each size once with the
/// records alone and once with the alert every routed call raises (its webhook JSON, about 400 bytes) in the same
/// transaction, as the call-record writer commits them. Prints records/s and the mean commit time per batch.
/// Usage: <c>callwrite [N] ["Host=…;Username=…"]</c>.
/// </summary>
internal static class CallRecordWriteReport
{
    private static readonly int[] BatchSizes = [1, 16, 64, 256];

    private const string AlertJson = """{"id":"0194a3c2b1e07c3d8e9f0a1b2c3d4e5f","tenant":"bench","event":"emergency-call","at":"2026-12-01T12:00:00+00:00","callRecordId":"0194a3c2b1e07c3d8e9f0a1b2c3d4e60","callingNumber":"+15125550100","callbackNumber":"+15125559301","locationId":"hq-3-301","address":"100 Congress Ave, Floor 3, Room 301, Austin, TX 78701, US","routeName":"Travis County 9-1-1","routeUri":"sip:psap@esinet.example","source":"did"}""";

    public static async Task<int> RunAsync(int records, string? postgres)
    {
        var directory = Directory.CreateTempSubdirectory("ls-callwrite-");
        try
        {
            await MeasureAsync("sqlite", new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory.FullName }, records);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
        if (postgres is null) return 0;
        var database = "ls_bench_" + Guid.NewGuid().ToString("N")[..8];
        var admin = new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres", Pooling = false };
        await PostgresLoadReport.ExecuteAsync(admin.ConnectionString, $"CREATE DATABASE {database}");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
            await MeasureAsync("postgres", new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connection }, records);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await PostgresLoadReport.ExecuteAsync(admin.ConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
        return 0;
    }

    private static async Task MeasureAsync(string provider, Dictionary<string, string?> settings, int records)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddLocationStorage(configuration).BuildServiceProvider();
        await using (services.ConfigureAwait(false))
        {
            await StorageSetup.MigrateAsync(services);
            var store = services.GetRequiredService<WiremapStore>();
            var now = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
            foreach (var (size, withAlerts) in BatchSizes.SelectMany(size => new[] { (size, false), (size, true) }))
            {
                var batches = Math.Max(1, records / size);
                var elapsed = Stopwatch.StartNew();
                for (var b = 0; b < batches; b++)
                {
                    var calls = new List<CallRecord>(size);
                    var elins = new List<ElinAssignment>(size / 2 + 1);
                    var alerts = new List<StoredAlert>(withAlerts ? size : 0);
                    for (var i = 0; i < size; i++)
                    {
                        var n = (b * size) + i;
                        calls.Add(new CallRecord(Guid.CreateVersion7(), "bench", now, "911", "+15125550100", null, "did", "hq-3-301",
                            "100 Congress Ave, Floor 3, Room 301, Austin, TX 78701, US", "psap", "sip:psap@esinet.example", "Travis County 9-1-1",
                            "+15125559301", false, null));
                        if (withAlerts)
                            alerts.Add(new StoredAlert(Guid.CreateVersion7().ToString("N"), "bench", "emergency-call", now, AlertJson));
                        if (n % 2 == 0)
                            elins.Add(new ElinAssignment("bench", "+1512555" + (n % 10_000).ToString("D4", CultureInfo.InvariantCulture), "+15125550100", "hq-3-301", now, now.AddHours(1)));
                    }
                    await store.CommitCallsAsync(calls, elins, alerts);
                }
                elapsed.Stop();
                var total = batches * size;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"callwrite provider={provider} batch={size} alerts={(withAlerts ? "yes" : "no")} records={total} records_per_s={total / elapsed.Elapsed.TotalSeconds:F0} ms_per_batch={elapsed.Elapsed.TotalMilliseconds / batches:F2}"));
            }
        }
    }
}
