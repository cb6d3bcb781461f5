using System.Diagnostics;
using System.Globalization;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LocationServer.Benchmarks;

/// <summary>
/// Scale figures against a real PostgreSQL: writes a generated wiremap of N elements through the store (one
/// transaction), then measures what a cold replica does before it is ready — load every tenant from the database and
/// build the index — with elapsed time and memory. Usage: <c>pgload N "Host=…;Username=…"</c>; a throwaway database
/// is created and dropped.
/// </summary>
internal static class PostgresLoadReport
{
    public static async Task<int> RunAsync(int elements, string server)
    {
        var database = "ls_bench_" + Guid.NewGuid().ToString("N")[..8];
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false };
        await ExecuteAsync(admin.ConnectionString, $"CREATE DATABASE {database}");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(server) { Database = database, CommandTimeout = 600 }.ConnectionString;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connection }).Build();
            var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddLocationStorage(configuration).BuildServiceProvider();
            await using (services.ConfigureAwait(false))
            {
                await StorageSetup.MigrateAsync(services);
                var store = services.GetRequiredService<WiremapStore>();
                var generator = new WiremapGenerator(elements);
                var wiremap = generator.Generate();
                var write = Stopwatch.StartNew();
                await store.ReplaceTenantAsync(wiremap);
                write.Stop();

                var before = GC.GetTotalMemory(forceFullCollection: true);
                var load = Stopwatch.StartNew();
                var (tenants, version) = await store.LoadAllAsync();
                load.Stop();
                var build = Stopwatch.StartNew();
                var index = WiremapIndex.Build(tenants, version);
                build.Stop();
                var after = GC.GetTotalMemory(forceFullCollection: true);
                GC.KeepAlive(index);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"pgload elements={index.ElementCount} write_s={write.Elapsed.TotalSeconds:F1} load_s={load.Elapsed.TotalSeconds:F2} build_s={build.Elapsed.TotalSeconds:F2} cold_start_s={(load.Elapsed + build.Elapsed).TotalSeconds:F2} retained_mb={(after - before) / 1048576.0:F0} peak_working_set_mb={Environment.WorkingSet / 1048576.0:F0}"));
                GC.KeepAlive(tenants);
                GC.KeepAlive(wiremap);
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin.ConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
        return 0;
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
