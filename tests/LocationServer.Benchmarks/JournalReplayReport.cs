using System.Diagnostics;
using System.Globalization;
using LocationServer.Data.Storage;
using LocationServer.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using CallRecord = LocationServer.Data.Storage.CallRecord;
using ElinAssignment = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Benchmarks;

/// <summary>
/// What a restart after a crash during a long database outage costs: N call records (every other one with an ELIN
/// window) appended to the call-record journal in batches of 512 with an fsync each, as the writer spills them; then
/// a writer started on that journal, timed until every record is committed and the journal emptied, on the embedded
/// SQLite store and, when a server is given, on a throwaway PostgreSQL database. Prints the append, read and replay
/// times. Usage: <c>journalreplay [N] ["Host=…;Username=…"]</c>.
/// </summary>
internal static class JournalReplayReport
{
    public static async Task<int> RunAsync(int records, string? postgres)
    {
        var directory = Directory.CreateTempSubdirectory("ls-journal-");
        try
        {
            await MeasureAsync("sqlite", new Dictionary<string, string?> { ["Storage:SqlitePath"] = Path.Combine(directory.FullName, "ls.db") }, directory.FullName, records);
            if (postgres is null) return 0;
            var database = "ls_bench_" + Guid.NewGuid().ToString("N")[..8];
            var admin = new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres", Pooling = false };
            await PostgresLoadReport.ExecuteAsync(admin.ConnectionString, $"CREATE DATABASE {database}");
            try
            {
                var connection = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
                await MeasureAsync("postgres", new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connection }, directory.FullName, records);
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await PostgresLoadReport.ExecuteAsync(admin.ConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static async Task MeasureAsync(string provider, Dictionary<string, string?> settings, string directory, int records)
    {
        var path = Path.Combine(directory, provider + ".journal");
        var now = DateTime.UtcNow;
        var append = Stopwatch.StartNew();
        using (var journal = CallRecordJournal.Open(path))
        {
            var batch = new List<JournalEntry>(512);
            for (var n = 0; n < records; n++)
            {
                var call = new CallRecord(Guid.CreateVersion7(), "bench", now, "911", "+15125550100", null, "did", "hq-3-301",
                    "100 Congress Ave, Floor 3, Room 301, Austin, TX 78701, US", "psap", "sip:psap@esinet.example", "Travis County 9-1-1",
                    "+15125559301", false, "bench-" + n.ToString(CultureInfo.InvariantCulture));
                var elin = n % 2 == 0
                    ? new ElinAssignment("bench", "+1512555" + (n % 10_000).ToString("D4", CultureInfo.InvariantCulture), "+15125550100", "hq-3-301", now, now.AddHours(1))
                    : null;
                batch.Add(new JournalEntry(call, elin));
                if (batch.Count == 512 || n == records - 1)
                {
                    journal.Append(batch);
                    batch.Clear();
                }
            }
        }
        append.Stop();
        var bytes = new FileInfo(path).Length;
        var read = Stopwatch.StartNew();
        using (var journal = CallRecordJournal.Open(path))
        {
            var count = journal.ReadAll().Entries.Count;
            if (count != records) throw new InvalidOperationException($"read {count} of {records} journaled records");
        }
        read.Stop();

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddLocationStorage(configuration).BuildServiceProvider();
        await using (services.ConfigureAwait(false))
        {
            await StorageSetup.MigrateAsync(services);
            var store = services.GetRequiredService<WiremapStore>();
            using var writer = new CallRecordWriter(store, TimeProvider.System, NullLogger<CallRecordWriter>.Instance,
                Options.Create(new CallRecordOptions { JournalPath = path }));
            var replay = Stopwatch.StartNew();
            await writer.StartAsync(CancellationToken.None);
            // Emptied once every record in it is committed.
            while (new FileInfo(path).Length > 0) await Task.Delay(5);
            replay.Stop();
            await writer.StopAsync(CancellationToken.None);
            var stored = (await store.ListCallRecordsAsync("bench", now.AddMinutes(-1), now.AddMinutes(1), records + 1)).Count;
            if (stored != records) throw new InvalidOperationException($"{stored} of {records} records reached the store");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"journalreplay provider={provider} records={records} journal_mb={bytes / 1048576.0:F1} append_s={append.Elapsed.TotalSeconds:F2} (fsync per 512) read_s={read.Elapsed.TotalSeconds:F2} replay_s={replay.Elapsed.TotalSeconds:F2} records_per_s={records / replay.Elapsed.TotalSeconds:F0}"));
        }
    }
}
