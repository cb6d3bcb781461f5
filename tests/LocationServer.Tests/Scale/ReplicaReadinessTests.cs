using System.Net;
using System.Text.Json;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Scale;

/// <summary>One in-process replica on the production stack: readiness names PostgreSQL and Redis and finds both up.</summary>
[Collection(RealServersCollection.Name)]
public sealed class ReplicaReadinessTests
{
    [Fact]
    public async Task Ready_OnPostgresAndRedis_ReportsBothOkWithTheirProvider()
    {
        await using var cluster = await Cluster.StartAsync();
        using var client = cluster[0].CreateClient();
        await client.WaitReadyAsync();

        using var response = await client.GetAsync("/health/ready");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        var dependencies = body.GetProperty("dependencies");
        Assert.Equal("ok", dependencies.GetProperty("database").GetProperty("state").GetString());
        Assert.Equal("postgres", dependencies.GetProperty("database").GetProperty("provider").GetString());
        Assert.Equal("ok", dependencies.GetProperty("redis").GetProperty("state").GetString());
        Assert.Equal("loaded", dependencies.GetProperty("index").GetProperty("state").GetString());
    }
}
