using System.Net;
using System.Text.Json;
using LocationServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LocationServer.Tests.Health;

/// <summary><c>/health/ready</c> on one node: each dependency by name and state.</summary>
public sealed class ReadinessTests
{
    private static async Task<(HttpStatusCode Code, JsonElement Body)> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }

    private static string? State(JsonElement body, string dependency) =>
        body.GetProperty("dependencies").TryGetProperty(dependency, out var d) ? d.GetProperty("state").GetString() : null;

    [Fact]
    public async Task Ready_EmbeddedWithoutRedis_ReadyWithIndexDatabaseAndNoRedisEntry()
    {
        using var factory = new LocationServerFactory();
        using var client = factory.CreateClient();
        await client.WaitReadyAsync();

        var (code, body) = await ReadyAsync(client);

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("loaded", State(body, "index"));
        Assert.True(body.GetProperty("dependencies").GetProperty("index").GetProperty("elements").GetInt32() > 0, body.ToString());
        Assert.Equal("ok", State(body, "database"));
        Assert.Equal("sqlite", body.GetProperty("dependencies").GetProperty("database").GetProperty("provider").GetString());
        Assert.Null(State(body, "redis"));
        Assert.Equal("writing", State(body, "callRecords"));
    }

    [Fact]
    public async Task Ready_RedisConfiguredButAway_DegradedStill200WithRedisUnavailable()
    {
        // A loopback port nothing listens on: the configured Redis is away from the start.
        using var factory = new LocationServerFactory();
        factory.Settings["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=500";
        using var client = factory.CreateClient();

        var (code, body) = await Poll.UntilAsync(() => ReadyAsync(client), r => r.Code == HttpStatusCode.OK, TimeSpan.FromSeconds(30));

        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.Equal("unavailable", State(body, "redis"));
        Assert.Equal("ok", State(body, "database"));
        Assert.Equal("loaded", State(body, "index"));
    }

    [Fact]
    public async Task Ready_EndpointDirectoryNotYetLoaded_503UntilItsFirstLoadCompletes()
    {
        // A database the service has migrated and seeded once; then the endpoint directory's table goes missing, so
        // the next start loads the wiremap index but not the endpoint directory.
        var directory = Directory.CreateTempSubdirectory("ready-");
        var database = Path.Combine(directory.FullName, "shared.db");
        try
        {
            using (var first = new LocationServerFactory())
            {
                first.Settings["Storage:SqlitePath"] = database;
                using var firstClient = first.CreateClient();
                await firstClient.WaitReadyAsync();
            }
            SqliteConnection.ClearAllPools();
            Sql(database, "ALTER TABLE endpoint_directory_versions RENAME TO endpoint_directory_versions_away");
            using var factory = new LocationServerFactory();
            factory.Settings["Storage:SqlitePath"] = database;
            using var client = factory.CreateClient();

            var (code, body) = await Poll.UntilAsync(() => ReadyAsync(client), r => State(r.Body, "index") == "loaded", TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
            Assert.Equal("starting", body.GetProperty("status").GetString());
            Assert.Equal("loading", State(body, "endpointDirectory"));

            Sql(database, "ALTER TABLE endpoint_directory_versions_away RENAME TO endpoint_directory_versions");
            // The loader retries on its poll interval, on the host's clock.
            var ready = await Poll.UntilAsync(async () =>
            {
                factory.Time.Advance(TimeSpan.FromSeconds(1));
                return await ReadyAsync(client);
            }, r => r.Code == HttpStatusCode.OK, TimeSpan.FromSeconds(30));

            Assert.Equal("ready", ready.Body.GetProperty("status").GetString());
            Assert.Equal("loaded", State(ready.Body, "endpointDirectory"));
            Assert.Equal("loaded", State(ready.Body, "gis"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static void Sql(string database, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
