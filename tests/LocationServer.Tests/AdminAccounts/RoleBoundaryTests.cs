using System.Net;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>
/// The embedded default (SQLite) with the demo tenant and a second tenant "acme", and a database key for each role:
/// every role tried on every category of admin operation. Loopback without a key is the system caller here, and
/// creates the keys.
/// </summary>
public sealed class RoleFixture : IAsyncLifetime
{
    public LocationServerFactory Factory { get; } = new();
    public HttpClient Client { get; private set; } = null!;
    public Dictionary<string, string> Keys { get; } = [];

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        await Client.WaitReadyAsync();
        var demo = await Client.GetStringAsync("/admin/tenants/demo/wiremap");
        var acme = demo.Replace("\"id\": \"demo\"", "\"id\": \"acme\"", StringComparison.Ordinal)
            .Replace("6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10", "0d6f3a52-8f7e-4c1b-9d2a-3e4f5a6b7c8d", StringComparison.Ordinal);
        using (var imported = await Client.PutAsync("/admin/tenants/acme/wiremap", AdminApi.Json(acme)))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Keys["system"] = await AdminApi.CreateKeyAsync(Client, null, """{"role":"system","name":"ops"}""");
        Keys["tenantAdmin"] = await AdminApi.CreateKeyAsync(Client, null, """{"role":"tenantAdmin","tenant":"demo"}""");
        Keys["siteManager"] = await AdminApi.CreateKeyAsync(Client, null, """{"role":"siteManager","tenant":"demo","sites":["hq"]}""");
        Keys["securityDesk"] = await AdminApi.CreateKeyAsync(Client, null, """{"role":"securityDesk","tenant":"demo"}""");
        Keys["auditor"] = await AdminApi.CreateKeyAsync(Client, null, """{"role":"auditor","tenant":"demo"}""");
        Keys["auditorAll"] = await AdminApi.CreateKeyAsync(Client, null, """{"role":"auditor"}""");
        Keys["tenantAdminAcme"] = await AdminApi.CreateKeyAsync(Client, null, """{"role":"tenantAdmin","tenant":"acme"}""");
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}

public sealed class RoleBoundaryTests(RoleFixture fixture) : IClassFixture<RoleFixture>
{
    public static readonly string[] Roles = ["system", "tenantAdmin", "siteManager", "securityDesk", "auditor", "auditorAll", "tenantAdminAcme"];

    // Expected status per role, in the order of Roles.
    public static TheoryData<string, string, string, string?, int[]> Operations => new()
    {
        { "tenant read: export the wiremap", "GET", "/admin/tenants/demo/wiremap", null, [200, 200, 403, 403, 200, 200, 403] },
        { "tenant read across tenants", "GET", "/admin/tenants/acme/wiremap", null, [200, 403, 403, 403, 403, 200, 200] },
        { "tenant write: device bindings", "POST", "/admin/tenants/demo/device-bindings", """[{"mac":"00-11-22-33-44-99","ip":"10.1.3.99"}]""", [200, 200, 403, 403, 403, 403, 403] },
        { "calls read", "GET", "/admin/tenants/demo/calls", null, [200, 200, 403, 200, 200, 200, 403] },
        { "alerts read: the live feed", "GET", "/admin/tenants/demo/alerts/live", null, [200, 200, 403, 200, 200, 200, 403] },
        { "alerts read: the delivery log", "GET", "/admin/tenants/demo/alert-deliveries", null, [200, 200, 403, 200, 200, 200, 403] },
        { "tenant read: alert targets", "GET", "/admin/tenants/demo/alert-targets", null, [200, 200, 403, 403, 200, 200, 403] },
        { "tenant write: add an alert target", "POST", "/admin/tenants/demo/alert-targets", """{"url":"https://desk.example.com/hook","kinds":["emergency-call"],"scope":"site","scopeId":"hq"}""", [200, 200, 403, 403, 403, 403, 403] },
        { "tenant write: remove an alert target (none: 404 when allowed)", "DELETE", "/admin/tenants/demo/alert-targets/0194a3c2-b1e0-7c3d-8e9f-0a1b2c3d4e5f", null, [404, 404, 403, 403, 403, 403, 403] },
        { "alerts read: the alerts with their acknowledgements", "GET", "/admin/tenants/demo/alerts", null, [200, 200, 403, 200, 200, 200, 403] },
        { "alerts read: one alert (none: 404 when allowed)", "GET", "/admin/tenants/demo/alerts/0194a3c2b1e07c3d8e9f0a1b2c3d4e5f", null, [404, 404, 403, 404, 404, 404, 403] },
        { "alert acknowledgement (none: 404 when allowed)", "POST", "/admin/tenants/demo/alerts/0194a3c2b1e07c3d8e9f0a1b2c3d4e5f/acknowledge", null, [404, 404, 403, 404, 403, 403, 403] },
        { "unknown networks read", "GET", "/admin/tenants/demo/unknown-networks", null, [200, 200, 403, 200, 200, 200, 403] },
        { "user-entered addresses read", "GET", "/admin/tenants/demo/nomadic-addresses", null, [200, 200, 403, 200, 200, 200, 403] },
        { "user-entered address removal (none there: 404 when allowed)", "DELETE", "/admin/tenants/demo/nomadic-addresses?device=mac:00-00-5e-00-53-01&network=gw:00-00-5e-00-53-02", null, [404, 404, 403, 403, 403, 403, 403] },
        { "key management: list the tenant's keys", "GET", "/admin/tenants/demo/keys", null, [200, 200, 403, 403, 200, 200, 403] },
        { "key management: create a tenant key", "POST", "/admin/tenants/demo/keys", """{"role":"securityDesk"}""", [201, 201, 403, 403, 403, 403, 403] },
        { "key management: create a key of any tenant", "POST", "/admin/keys", """{"role":"auditor","tenant":"demo"}""", [201, 403, 403, 403, 403, 403, 403] },
        { "key management: list every key", "GET", "/admin/keys", null, [200, 403, 403, 403, 403, 200, 403] },
        { "audit read: the tenant's trail", "GET", "/admin/tenants/demo/audit", null, [200, 200, 403, 403, 200, 200, 403] },
        { "audit read: every tenant's trail", "GET", "/admin/audit", null, [200, 403, 403, 403, 403, 200, 403] },
        { "site write inside the site manager's site (hq)", "POST", "/admin/tenants/demo/unknown-networks/adopt", """{"network":"NETWORK","locationId":"hq-1-lobby"}""", [201, 201, 201, 403, 403, 403, 403] },
        { "site write outside the site manager's site (annex)", "POST", "/admin/tenants/demo/unknown-networks/adopt", """{"network":"NETWORK","locationId":"annex-2"}""", [201, 201, 403, 403, 403, 403, 403] },
        { "tenant read: emergency endpoints", "GET", "/admin/tenants/demo/emergency-endpoints", null, [200, 200, 403, 403, 200, 200, 403] },
        { "tenant read: users", "GET", "/admin/tenants/demo/users", null, [200, 200, 403, 403, 200, 200, 403] },
        { "tenant read: a CSV export", "GET", "/admin/tenants/demo/exports/sites", null, [200, 200, 403, 403, 200, 200, 403] },
        { "site read inside the site manager's site (none assigned: 404 when allowed)", "GET", "/admin/tenants/demo/endpoint-assignments/sites/hq", null, [404, 404, 404, 403, 404, 404, 403] },
        { "site read outside the site manager's site", "GET", "/admin/tenants/demo/endpoint-assignments/sites/annex", null, [404, 404, 403, 403, 404, 404, 403] },
        { "tenant write: validate an address", "POST", "/admin/tenants/demo/addresses/validate", """{"address":{"country":"US","A1":"TX","A3":"Austin","RD":"Congress","STS":"Ave","HNO":"100"}}""", [200, 200, 403, 403, 403, 403, 403] },
        { "system: the GIS data in force", "GET", "/admin/gis", null, [200, 403, 403, 403, 403, 200, 403] },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task EveryRole_Operation_AllowedOrRefusedByRoleTenantAndSite(string operation, string method, string path, string? body, int[] expected)
    {
        for (var i = 0; i < Roles.Length; i++)
        {
            // Each adoption adds a network of its own, so that no role meets another's (a 409).
            var json = body?.Replace("NETWORK", AdminApi.Network($"10.{200 + i}.{operation.Length}.0"), StringComparison.Ordinal);
            var (status, answer) = await AdminApi.SendAsync(fixture.Client, fixture.Keys[Roles[i]], new HttpMethod(method), path, json);
            Assert.True(expected[i] == (int)status, $"{operation} as {Roles[i]}: expected {expected[i]}, got {(int)status}: {answer}");
            if (status == HttpStatusCode.Forbidden) Assert.Contains("\"status\":403", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TenantList_TenantAdmin_SeesOnlyItsTenant()
    {
        var (_, mine) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["tenantAdmin"], "/admin/tenants");
        var (_, all) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["system"], "/admin/tenants");
        Assert.Contains("\"demo\"", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("\"acme\"", mine, StringComparison.Ordinal);
        Assert.Contains("\"acme\"", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantCreate_TenantAdminOfTheNewTenant_RefusedAndSystemAllowed()
    {
        var demo = await fixture.Client.GetStringAsync("/admin/tenants/demo/wiremap");
        var newco = demo.Replace("\"id\": \"demo\"", "\"id\": \"newco\"", StringComparison.Ordinal)
            .Replace("6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10", "5a0e8b1c-2d3f-4a5b-8c6d-7e8f9a0b1c2d", StringComparison.Ordinal);
        var newcoAdmin = await AdminApi.CreateKeyAsync(fixture.Client, fixture.Keys["system"], """{"role":"tenantAdmin","tenant":"newco"}""");

        var (refused, why) = await AdminApi.SendAsync(fixture.Client, newcoAdmin, HttpMethod.Put, "/admin/tenants/newco/wiremap", newco);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("only a system administrator creates tenants", why, StringComparison.Ordinal);
        var (created, _) = await AdminApi.SendAsync(fixture.Client, fixture.Keys["system"], HttpMethod.Put, "/admin/tenants/newco/wiremap", newco);
        Assert.Equal(HttpStatusCode.OK, created);
        // Once it exists, its own tenant admin replaces it.
        var (replaced, _) = await AdminApi.SendAsync(fixture.Client, newcoAdmin, HttpMethod.Put, "/admin/tenants/newco/wiremap", newco);
        Assert.Equal(HttpStatusCode.OK, replaced);
    }

    [Theory]
    [InlineData("""{"role":"system"}""")]
    [InlineData("""{"role":"tenantAdmin","tenant":"acme"}""")]
    public async Task KeyCreate_TenantAdminBeyondItsRole_Refused(string request)
    {
        var (viaTenant, _) = await AdminApi.SendAsync(fixture.Client, fixture.Keys["tenantAdmin"], HttpMethod.Post, "/admin/tenants/demo/keys", request);
        Assert.True(viaTenant is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest, $"answered {(int)viaTenant}");
        var (global, _) = await AdminApi.SendAsync(fixture.Client, fixture.Keys["tenantAdmin"], HttpMethod.Post, "/admin/keys", request);
        Assert.Equal(HttpStatusCode.Forbidden, global);
    }

    [Fact]
    public async Task KeyCreate_TenantAdminAskingForSystemOnItsRoute_RefusedAs403()
    {
        var (status, body) = await AdminApi.SendAsync(fixture.Client, fixture.Keys["tenantAdmin"], HttpMethod.Post, "/admin/tenants/demo/keys", """{"role":"system"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("may not create system keys", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiteManagerKey_WithoutSites_IsRefusedAtCreation()
    {
        var (status, body) = await AdminApi.SendAsync(fixture.Client, fixture.Keys["tenantAdmin"], HttpMethod.Post, "/admin/tenants/demo/keys", """{"role":"siteManager"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("/sites", body, StringComparison.Ordinal);
    }
}
