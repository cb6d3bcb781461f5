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
        // One endpoint and user of each site per role, so that each role's write meets an object of its own.
        for (var i = 0; i < RoleBoundaryTests.Roles.Length; i++)
        {
            foreach (var site in new[] { "hq", "annex" })
            {
                foreach (var name in new[] { "ep", "del" })
                {
                    var endpoint = $$"""{"id":"{{site}}-{{name}}-{{i}}","callbackNumber":"+15125550170","site":"{{site}}","billingAddress":{{RoleBoundaryTests.Billing}}}""";
                    var (created, why) = await AdminApi.SendAsync(Client, null, HttpMethod.Post, "/admin/tenants/demo/emergency-endpoints", endpoint);
                    Assert.True(created == HttpStatusCode.Created, why);
                }
                var (user, answer) = await AdminApi.SendAsync(Client, null, HttpMethod.Post, "/admin/tenants/demo/users", $$"""{"id":"u-{{site}}-{{i}}","displayName":"User {{i}}","site":"{{site}}"}""");
                Assert.True(user == HttpStatusCode.Created, answer);
            }
        }
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

    private static int _sends;

    public const string Billing = """{"country":"US","A1":"TX","A3":"Austin","RD":"Congress","STS":"Ave","HNO":"100","PC":"78701"}""";

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
        { "security read: the calls CSV export", "GET", "/admin/tenants/demo/exports/calls", null, [200, 200, 403, 200, 200, 200, 403] },
        { "emergency endpoints of the site manager's site, list (site=hq)", "GET", "/admin/tenants/demo/emergency-endpoints?site=hq", null, [200, 200, 200, 403, 200, 200, 403] },
        { "emergency endpoints of another site, list (site=annex)", "GET", "/admin/tenants/demo/emergency-endpoints?site=annex", null, [200, 200, 403, 403, 200, 200, 403] },
        { "emergency endpoint of the site manager's site, read", "GET", "/admin/tenants/demo/emergency-endpoints/hq-ep-ROLE", null, [200, 200, 200, 403, 200, 200, 403] },
        { "emergency endpoint of another site, read", "GET", "/admin/tenants/demo/emergency-endpoints/annex-ep-ROLE", null, [200, 200, 403, 403, 200, 200, 403] },
        { "emergency endpoint of the site manager's site, create", "POST", "/admin/tenants/demo/emergency-endpoints", $$"""{"id":"new-hq-ROLE","callbackNumber":"+15125550171","site":"hq","billingAddress":{{Billing}}}""", [201, 201, 201, 403, 403, 403, 403] },
        { "emergency endpoint of another site, create", "POST", "/admin/tenants/demo/emergency-endpoints", $$"""{"id":"new-annex-ROLE","callbackNumber":"+15125550171","site":"annex","billingAddress":{{Billing}}}""", [201, 201, 403, 403, 403, 403, 403] },
        { "emergency endpoint of the domain, create", "POST", "/admin/tenants/demo/emergency-endpoints", $$"""{"id":"new-domain-ROLE","callbackNumber":"+15125550171","billingAddress":{{Billing}}}""", [201, 201, 403, 403, 403, 403, 403] },
        { "emergency endpoint of the site manager's site, edit", "PUT", "/admin/tenants/demo/emergency-endpoints/hq-ep-ROLE", $$"""{"callbackNumber":"+15125550172","site":"hq","billingAddress":{{Billing}}}""", [200, 200, 200, 403, 403, 403, 403] },
        { "emergency endpoint of another site, edit", "PUT", "/admin/tenants/demo/emergency-endpoints/annex-ep-ROLE", $$"""{"callbackNumber":"+15125550172","site":"annex","billingAddress":{{Billing}}}""", [200, 200, 403, 403, 403, 403, 403] },
        { "emergency endpoint of the site manager's site, moved to another site", "PUT", "/admin/tenants/demo/emergency-endpoints/hq-ep-ROLE", $$"""{"callbackNumber":"+15125550172","site":"annex","billingAddress":{{Billing}}}""", [200, 200, 403, 403, 403, 403, 403] },
        { "emergency endpoint of the site manager's site, delete", "DELETE", "/admin/tenants/demo/emergency-endpoints/hq-del-ROLE", null, [204, 204, 204, 403, 403, 403, 403] },
        { "emergency endpoint of another site, delete", "DELETE", "/admin/tenants/demo/emergency-endpoints/annex-del-ROLE", null, [204, 204, 403, 403, 403, 403, 403] },
        { "users of the site manager's site, list (site=hq)", "GET", "/admin/tenants/demo/users?site=hq", null, [200, 200, 200, 403, 200, 200, 403] },
        { "user of the site manager's site, read", "GET", "/admin/tenants/demo/users/u-hq-ROLE", null, [200, 200, 200, 403, 200, 200, 403] },
        { "user of another site, read", "GET", "/admin/tenants/demo/users/u-annex-ROLE", null, [200, 200, 403, 403, 200, 200, 403] },
        { "user of the site manager's site, edit", "PUT", "/admin/tenants/demo/users/u-hq-ROLE", """{"displayName":"Renamed","site":"hq"}""", [200, 200, 200, 403, 403, 403, 403] },
        { "user of another site, edit", "PUT", "/admin/tenants/demo/users/u-annex-ROLE", """{"displayName":"Renamed","site":"annex"}""", [200, 200, 403, 403, 403, 403, 403] },
        { "user, create (tenant write)", "POST", "/admin/tenants/demo/users", """{"id":"new-user-ROLE","displayName":"New","site":"hq"}""", [201, 201, 403, 403, 403, 403, 403] },
        { "site read inside the site manager's site (none assigned: 404 when allowed)", "GET", "/admin/tenants/demo/endpoint-assignments/sites/hq", null, [404, 404, 404, 403, 404, 404, 403] },
        { "site read outside the site manager's site", "GET", "/admin/tenants/demo/endpoint-assignments/sites/annex", null, [404, 404, 403, 403, 404, 404, 403] },
        { "tenant write: validate an address", "POST", "/admin/tenants/demo/addresses/validate", """{"address":{"country":"US","A1":"TX","A3":"Austin","RD":"Congress","STS":"Ave","HNO":"100"}}""", [200, 200, 403, 403, 403, 403, 403] },
        { "system: the GIS data in force", "GET", "/admin/gis", null, [200, 403, 403, 403, 403, 200, 403] },
        { "any caller: the policy presets", "GET", "/admin/policy-presets", null, [200, 200, 200, 200, 200, 200, 200] },
        { "site read: the emergency policies", "GET", "/admin/tenants/demo/policies", null, [200, 200, 200, 403, 200, 200, 403] },
        { "site read: one emergency policy (none there: 404 when allowed)", "GET", "/admin/tenants/demo/policies/rb-none", null, [404, 404, 404, 403, 404, 404, 403] },
        { "site read: the settings in force", "GET", "/admin/tenants/demo/policies/effective?site=hq&ip=10.1.3.44", null, [200, 200, 200, 403, 200, 200, 403] },
        { "site write: a policy of the site manager's site (hq)", "PUT", "/admin/tenants/demo/policies/rb-hq", """{"name":"HQ","scope":"site","siteIds":["hq"]}""", [201, 200, 200, 403, 403, 403, 403] },
        { "site write: a policy of another site (annex)", "PUT", "/admin/tenants/demo/policies/rb-annex", """{"name":"Annex","scope":"site","siteIds":["annex"]}""", [201, 200, 403, 403, 403, 403, 403] },
        { "site write: a tenant policy", "PUT", "/admin/tenants/demo/policies/rb-tenant", """{"name":"Tenant","scope":"tenant","preset":"us"}""", [201, 200, 403, 403, 403, 403, 403] },
        { "site write: a network policy", "PUT", "/admin/tenants/demo/policies/rb-net", """{"name":"Net","scope":"network","networks":["10.99.0.0/16"]}""", [201, 200, 403, 403, 403, 403, 403] },
        { "site write: delete a policy (none there: 404 when allowed)", "DELETE", "/admin/tenants/demo/policies/rb-none", null, [404, 404, 404, 403, 403, 403, 403] },
        { "object read: list sites (a site manager: its own)", "GET", "/admin/tenants/demo/sites", null, [200, 200, 200, 403, 200, 200, 403] },
        { "object read: a site inside the site manager's sites", "GET", "/admin/tenants/demo/sites/hq", null, [200, 200, 200, 403, 200, 200, 403] },
        { "object read: a site outside the site manager's sites", "GET", "/admin/tenants/demo/sites/annex", null, [200, 200, 403, 403, 200, 200, 403] },
        { "object write: create a site (a site manager only one it is listed for)", "POST", "/admin/tenants/demo/sites", """{"id":"UNIQUE","name":"New","address":{"country":"US","A1":"TX","A3":"Austin","RD":"Lamar","STS":"Blvd","HNO":"800","PC":"78703"}}""", [201, 201, 403, 403, 403, 403, 403] },
        { "object read: a site's locations outside the site manager's sites", "GET", "/admin/tenants/demo/sites/annex/locations", null, [200, 200, 403, 403, 200, 200, 403] },
        { "object write: create a location inside the site manager's site", "POST", "/admin/tenants/demo/sites/hq/locations", """{"id":"UNIQUE","floor":"9"}""", [201, 201, 201, 403, 403, 403, 403] },
        { "object write: change a location inside the site manager's site", "PUT", "/admin/tenants/demo/sites/hq/locations/hq-1-lobby", """{"floor":"1","text":"Lobby"}""", [200, 200, 200, 403, 403, 403, 403] },
        { "object write: change a location outside the site manager's site", "PUT", "/admin/tenants/demo/sites/annex/locations/annex-2", """{"floor":"2","unit":"200"}""", [200, 200, 403, 403, 403, 403, 403] },
        { "object read: the tenant's locations (a site manager: its sites')", "GET", "/admin/tenants/demo/locations", null, [200, 200, 200, 403, 200, 200, 403] },
        { "object read: network elements (a site manager: its sites')", "GET", "/admin/tenants/demo/elements", null, [200, 200, 200, 403, 200, 200, 403] },
        { "object write: create an element inside the site manager's site", "POST", "/admin/tenants/demo/elements", """{"kind":"subnet","value":"SUBNET","locationId":"hq-1-lobby"}""", [201, 201, 201, 403, 403, 403, 403] },
        { "object write: create an element outside the site manager's site", "POST", "/admin/tenants/demo/elements", """{"kind":"subnet","value":"SUBNET","locationId":"annex-2"}""", [201, 201, 403, 403, 403, 403, 403] },
        { "object write: an off-premises range (tenant-wide)", "POST", "/admin/tenants/demo/elements", """{"kind":"subnet","value":"SUBNET","offPremises":true}""", [201, 201, 403, 403, 403, 403, 403] },
        { "object read: DIDs (a site manager: its sites')", "GET", "/admin/tenants/demo/dids", null, [200, 200, 200, 403, 200, 200, 403] },
        { "object write: create a DID inside the site manager's site", "POST", "/admin/tenants/demo/dids", """{"number":"DID","locationId":"hq-1-lobby"}""", [201, 201, 201, 403, 403, 403, 403] },
        { "object write: create a DID outside the site manager's site", "POST", "/admin/tenants/demo/dids", """{"number":"DID","locationId":"annex-2"}""", [201, 201, 403, 403, 403, 403, 403] },
        { "tenant read: requesters", "GET", "/admin/tenants/demo/requesters", null, [200, 200, 403, 403, 200, 200, 403] },
        { "tenant write: create a requester", "POST", "/admin/tenants/demo/requesters", """{"name":"UNIQUE","sourceCidrs":["192.0.2.0/24"]}""", [201, 201, 403, 403, 403, 403, 403] },
        { "tenant read: the tenant's name and settings", "GET", "/admin/tenants/demo", null, [200, 200, 403, 403, 200, 200, 403] },
        { "tenant write: the tenant's name and settings", "PUT", "/admin/tenants/demo", """{"name":"Example Corp (demo)","companyUuid":"6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10","didFallback":true,"callbackNumber":"+15125550000"}""", [200, 200, 403, 403, 403, 403, 403] },
        { "system: create a tenant", "POST", "/admin/tenants", """{"id":"UNIQUE","name":"New tenant"}""", [201, 403, 403, 403, 403, 403, 403] },
        { "system: PSAP boundaries, list", "GET", "/admin/psap-boundaries", null, [200, 403, 403, 403, 403, 200, 403] },
        { "system: PSAP boundaries, create", "POST", "/admin/psap-boundaries", """{"id":"UNIQUE","name":"Test PSAP","uri":"sip:test@esinet.invalid","geometry":{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}}""", [201, 403, 403, 403, 403, 403, 403] },
        { "system: delete a tenant (none such: 404 when allowed)", "DELETE", "/admin/tenants/no-such-tenant", null, [404, 403, 403, 403, 403, 403, 403] },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task EveryRole_Operation_AllowedOrRefusedByRoleTenantAndSite(string operation, string method, string path, string? body, int[] expected)
    {
        for (var i = 0; i < Roles.Length; i++)
        {
            // Each adoption adds a network of its own, so that no role meets another's (a 409).
            // Objects named ROLE are the role's own, created by the fixture or by this write.
            var role = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var json = body?.Replace("NETWORK", AdminApi.Network($"10.{200 + i}.{operation.Length}.0"), StringComparison.Ordinal).Replace("ROLE", role, StringComparison.Ordinal);
            // Objects created per role get names, subnets and numbers no other send uses.
            var n = Interlocked.Increment(ref _sends);
            json = json?.Replace("UNIQUE", $"r{n}", StringComparison.Ordinal)
                .Replace("SUBNET", $"172.{16 + n / 250}.{n % 250}.0/24", StringComparison.Ordinal)
                .Replace("\"DID\"", $"\"+1737555{n:D4}\"", StringComparison.Ordinal);
            var (status, answer) = await AdminApi.SendAsync(fixture.Client, fixture.Keys[Roles[i]], new HttpMethod(method), path.Replace("ROLE", role, StringComparison.Ordinal), json);
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
    public async Task SiteObjects_SiteManager_ListsOnlyItsSitesTheirLocationsAndElements()
    {
        var (_, sites) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["siteManager"], "/admin/tenants/demo/sites");
        using var siteList = System.Text.Json.JsonDocument.Parse(sites);
        Assert.Equal("hq", Assert.Single(siteList.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        var (_, elements) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["siteManager"], "/admin/tenants/demo/elements?limit=1000");
        using var elementList = System.Text.Json.JsonDocument.Parse(elements);
        Assert.NotEmpty(elementList.RootElement.GetProperty("items").EnumerateArray());
        Assert.DoesNotContain(elementList.RootElement.GetProperty("items").EnumerateArray(), e => e.GetProperty("locationId").GetString() is "annex-2" or "lab-1" || e.GetProperty("offPremises").GetBoolean());
        var (_, locations) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["siteManager"], "/admin/tenants/demo/locations?limit=1000");
        using var locationList = System.Text.Json.JsonDocument.Parse(locations);
        Assert.NotEmpty(locationList.RootElement.GetProperty("items").EnumerateArray());
        Assert.All(locationList.RootElement.GetProperty("items").EnumerateArray(), l => Assert.Equal("hq", l.GetProperty("site").GetString()));
        var (_, outside) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["siteManager"], "/admin/tenants/demo/locations?site=annex");
        Assert.Equal(0, System.Text.Json.JsonDocument.Parse(outside).RootElement.GetProperty("total").GetInt32());
        var (_, all) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["tenantAdmin"], "/admin/tenants/demo/sites");
        Assert.Contains("\"annex\"", all, StringComparison.Ordinal);
        // An element in another site is not there for the site manager, even by its id.
        var (_, annexElements) = await AdminApi.GetAsync(fixture.Client, fixture.Keys["tenantAdmin"], "/admin/tenants/demo/elements?location=annex-2");
        using var annexList = System.Text.Json.JsonDocument.Parse(annexElements);
        var annexId = annexList.RootElement.GetProperty("items")[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NotFound, (await AdminApi.GetAsync(fixture.Client, fixture.Keys["siteManager"], $"/admin/tenants/demo/elements/{annexId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminApi.SendAsync(fixture.Client, fixture.Keys["siteManager"], HttpMethod.Delete, $"/admin/tenants/demo/elements/{annexId}")).Status);
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
