using System.Net;
using System.Text.Json;
using LocationServer.Tests.Scale;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>
/// Keys in the production deployment: two in-process replicas on one PostgreSQL database and Redis, the break-glass
/// <c>Admin:ApiKey</c> as the bootstrap. Loopback without a key is refused there.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class PostgresKeyStoreTests
{
    private static HttpClient Bare(ReplicaFactory replica) => replica.CreateDefaultClient();

    [Fact]
    public async Task Loopback_WithPostgres_IsNoAdmin()
    {
        await using var cluster = await Cluster.StartAsync();
        using var client = Bare(cluster[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.GetAsync(client, null, "/admin/tenants")).Status);
    }

    [Fact]
    public async Task Key_CreatedOnOneReplica_WorksOnBothAndRevocationReachesTheOtherWithinTheCacheTime()
    {
        await using var cluster = await Cluster.StartAsync();
        var b = cluster.AddReplica();
        using var onA = Bare(cluster[0]);
        using var onB = Bare(b);
        var key = await AdminApi.CreateKeyAsync(onA, Infrastructure.AdminBearer.TestKey, """{"role":"auditor"}""");
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(onA, key, "/admin/audit")).Status);
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(onB, key, "/admin/audit")).Status);

        var (revoked, _) = await AdminApi.SendAsync(onA, Infrastructure.AdminBearer.TestKey, HttpMethod.Delete, $"/admin/keys/{AdminApi.IdOf(key)}");
        Assert.Equal(HttpStatusCode.NoContent, revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.GetAsync(onA, key, "/admin/audit")).Status);
        // Admin:KeyCacheSeconds (10 s by default) bounds how long the other replica may still accept it.
        var refusedOnB = await RealServers.EventuallyAsync(async () =>
        {
            var (status, _) = await AdminApi.GetAsync(onB, key, "/admin/audit");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            return status;
        }, TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.Unauthorized, refusedOnB);

        var (_, audit) = await AdminApi.GetAsync(onA, Infrastructure.AdminBearer.TestKey, "/admin/audit");
        var kinds = JsonDocument.Parse(audit).RootElement.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["key.revoke", "key.create"], kinds);
    }

    [Fact]
    public async Task Key_PastItsExpiry_RefusedOnPostgres()
    {
        await using var cluster = await Cluster.StartAsync();
        using var client = Bare(cluster[0]);
        // Long enough that the first use lands before expiry on a busy machine; the wait is to the expiry itself.
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(10);
        var key = await AdminApi.CreateKeyAsync(client, Infrastructure.AdminBearer.TestKey, $$"""{"role":"system","expiresUtc":"{{expiresAt:O}}"}""");
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(client, key, "/admin/keys")).Status);
        var remaining = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500);
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.GetAsync(client, key, "/admin/keys")).Status);
    }

    [Fact]
    public async Task TenantAdminKey_OnPostgres_RefusedAcrossTenants()
    {
        await using var cluster = await Cluster.StartAsync();
        using var client = Bare(cluster[0]);
        var key = await AdminApi.CreateKeyAsync(client, Infrastructure.AdminBearer.TestKey, """{"role":"tenantAdmin","tenant":"acme"}""");
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.GetAsync(client, key, "/admin/tenants/acme/keys")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminApi.GetAsync(client, key, "/admin/tenants/demo/keys")).Status);
    }
}
