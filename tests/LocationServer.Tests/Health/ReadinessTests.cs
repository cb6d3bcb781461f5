using System.Net;
using System.Text.Json;
using LocationServer.Tests.Infrastructure;

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
}
