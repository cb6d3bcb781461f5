using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Endpoints;

/// <summary>
/// The emergency endpoint and user admin API against the real host and a real database (SQLite and PostgreSQL
/// subclasses), and what RouteCall presents after each change.
/// </summary>
public abstract class EndpointAdminTests
{
    private const string Base = "/admin/tenants/demo";
    private const string HqPhoneIp = "10.1.3.44"; // hq-3-west: no ELINs, no callback number of its own

    protected abstract WebApplicationFactory<Program> Host { get; }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static string NewNumber() => "+1512" + Random.Shared.Next(2_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string NewMac() => string.Join(':', new[] { "02" }.Concat(Enumerable.Range(0, 5).Select(_ => Random.Shared.Next(256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));

    private static object Billing(string houseNumber = "500") => new Dictionary<string, string>
    {
        ["country"] = "US",
        ["A1"] = "TX",
        ["A3"] = "Austin",
        ["RD"] = "Billing",
        ["STS"] = "Way",
        ["HNO"] = houseNumber,
        ["PC"] = "78702",
    };

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>A client of <see cref="Host"/> that may use the admin API there.</summary>
    protected virtual HttpClient Client() => Host.CreateClient();

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? ETag)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, string? ifMatch = null, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = Json(body);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, json, response.Headers.ETag?.ToString());
    }

    private static string[] Errors(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray().Select(e => e.GetString()!)] : [];

    private static async Task<string> CreateEndpointAsync(HttpClient client, string id, string number, string houseNumber = "500", string? site = null)
    {
        var (status, body, etag) = await SendAsync(client, HttpMethod.Post, Base + "/emergency-endpoints", new { id, callbackNumber = number, billingAddress = Billing(houseNumber), label = "test", site });
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return etag!;
    }

    private async Task<CallRouting> RouteAsync(string dialed = "911", string? calling = null, string? mac = null, string ip = HqPhoneIp)
    {
        using var scope = Host.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = dialed, CallingNumber = calling, StationMac = mac, StationIp = ip }, CancellationToken.None);
        return outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
    }

    [Fact]
    public async Task Endpoint_CreateReadUpdateDelete_EveryWriteGuardedByETag()
    {
        using var client = Client();
        var id = Unique("ep");
        var created = await CreateEndpointAsync(client, id, "+1 (512) 555-7100");

        var (status, body, etag) = await SendAsync(client, HttpMethod.Get, $"{Base}/emergency-endpoints/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(created, etag);
        Assert.Equal("+15125557100", body.GetProperty("callbackNumber").GetString());
        Assert.Equal("78702", body.GetProperty("billingAddress").GetProperty("PC").GetString());

        var change = new { callbackNumber = "+15125557101", billingAddress = Billing("501"), label = "changed" };
        var (updated, updatedBody, newTag) = await SendAsync(client, HttpMethod.Put, $"{Base}/emergency-endpoints/{id}", change, ifMatch: created);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.NotEqual(created, newTag);
        Assert.Equal("+15125557101", updatedBody.GetProperty("callbackNumber").GetString());

        // The first ETag is stale now: writes with it change nothing and say what the current one is.
        var (stale, _, current) = await SendAsync(client, HttpMethod.Put, $"{Base}/emergency-endpoints/{id}", change with { label = "lost update" }, ifMatch: created);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale);
        Assert.Equal(newTag, current);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(client, HttpMethod.Delete, $"{Base}/emergency-endpoints/{id}", ifMatch: created)).Status);
        Assert.Equal("changed", (await SendAsync(client, HttpMethod.Get, $"{Base}/emergency-endpoints/{id}")).Body.GetProperty("label").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(client, HttpMethod.Post, Base + "/emergency-endpoints", new { id, callbackNumber = "+15125557102", billingAddress = Billing() })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(client, HttpMethod.Delete, $"{Base}/emergency-endpoints/{id}", ifMatch: newTag)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Get, $"{Base}/emergency-endpoints/{id}")).Status);
    }

    [Fact]
    public async Task Endpoint_InvalidFields_ProblemNamesEachFieldPath()
    {
        using var client = Client();
        var billing = new Dictionary<string, string> { ["country"] = "US", ["A1"] = "Texas", ["A3"] = "Austin", ["PC"] = "7870", ["Street"] = "Main" };
        var (status, body, _) = await SendAsync(client, HttpMethod.Post, Base + "/emergency-endpoints", new { id = Unique("bad"), callbackNumber = "911", billingAddress = billing, site = "nowhere" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = Errors(body);
        foreach (var path in new[] { "/callbackNumber:", "/billingAddress/A1:", "/billingAddress/PC:", "/billingAddress/RD:", "/billingAddress/HNO:", "/billingAddress/Street:", "/site:" })
            Assert.Contains(errors, e => e.StartsWith(path, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.StartsWith("/billingAddress/A3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task User_InvalidOrTakenFields_ProblemNamesFieldPath()
    {
        using var client = Client();
        var did = NewNumber();
        var (invalid, body, _) = await SendAsync(client, HttpMethod.Post, Base + "/users",
            new { id = Unique("u"), displayName = "", email = "not an address", dids = new[] { did, did, "4711" }, deviceMacs = new[] { "zz" } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        var errors = Errors(body);
        foreach (var path in new[] { "/displayName:", "/email:", "/dids/1:", "/dids/2:", "/deviceMacs/0:" })
            Assert.Contains(errors, e => e.StartsWith(path, StringComparison.Ordinal));

        var first = Unique("u");
        var (created, _, _) = await SendAsync(client, HttpMethod.Post, Base + "/users", new { id = first, displayName = "First", dids = new[] { did } });
        Assert.Equal(HttpStatusCode.Created, created);
        var (taken, conflict, _) = await SendAsync(client, HttpMethod.Post, Base + "/users", new { id = Unique("u"), displayName = "Second", dids = new[] { NewNumber(), did } });
        Assert.Equal(HttpStatusCode.Conflict, taken);
        Assert.Contains(Errors(conflict), e => e.StartsWith("/dids/1:", StringComparison.Ordinal) && e.Contains(first, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Assignment_StaleIfMatchOrIfNoneMatchOnExisting_412AndUnchanged()
    {
        using var client = Client();
        var (a, b) = (Unique("a"), Unique("b"));
        await CreateEndpointAsync(client, a, NewNumber());
        await CreateEndpointAsync(client, b, NewNumber());
        var mac = NewMac();
        var path = $"{Base}/endpoint-assignments/devices/{mac.Replace(':', '-')}";

        var (created, assignment, etag) = await SendAsync(client, HttpMethod.Put, path, new { endpoint = a }, ifNoneMatch: "*");
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(mac, assignment.GetProperty("target").GetString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(client, HttpMethod.Put, path, new { endpoint = b }, ifNoneMatch: "*")).Status);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(client, HttpMethod.Put, path, new { endpoint = b }, ifMatch: "\"1\"")).Status);
        Assert.Equal(a, (await SendAsync(client, HttpMethod.Get, path)).Body.GetProperty("endpoint").GetString());

        var (moved, _, _) = await SendAsync(client, HttpMethod.Put, path, new { endpoint = b }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, moved);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(client, HttpMethod.Put, path, new { endpoint = "no-such-endpoint" })).Status);
        // An endpoint still assigned cannot be deleted; the refusal names the assignment.
        var (inUse, problem, _) = await SendAsync(client, HttpMethod.Delete, $"{Base}/emergency-endpoints/{b}");
        Assert.Equal(HttpStatusCode.Conflict, inUse);
        Assert.Contains(Errors(problem), e => e.Contains(mac, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Endpoints_List_PagedWithTotal()
    {
        using var client = Client();
        for (var i = 0; i < 3; i++) await CreateEndpointAsync(client, Unique("page"), NewNumber());
        var (status, page, _) = await SendAsync(client, HttpMethod.Get, $"{Base}/emergency-endpoints?offset=1&limit=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(page.GetProperty("total").GetInt32() >= 3);
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.Equal(1, page.GetProperty("offset").GetInt32());
        var (bad, problem, _) = await SendAsync(client, HttpMethod.Get, $"{Base}/emergency-endpoints?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains(Errors(problem), e => e.StartsWith("limit:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeviceAndUser_AssignedThroughApi_RouteCallPresentsThemAndAlertNamesUser()
    {
        using var client = Client();
        var (device, own) = (Unique("dev"), Unique("own"));
        var (deviceNumber, ownNumber, did, mac) = (NewNumber(), NewNumber(), NewNumber(), NewMac());
        await CreateEndpointAsync(client, device, deviceNumber);
        await CreateEndpointAsync(client, own, ownNumber, houseNumber: "777");
        var user = Unique("kari");
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Post, Base + "/users",
            new { id = user, displayName = "Kari Hunt", email = "kari@example.com", site = "hq", dids = new[] { did }, deviceMacs = new[] { mac } })).Status);

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, $"{Base}/endpoint-assignments/users/{user}", new { endpoint = own })).Status);
        var test = await RouteAsync(dialed: "933", calling: did);
        Assert.Equal(ownNumber, test.CallbackNumber);
        Assert.Contains("billed to 777 Billing Way", test.ReadBack, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, $"{Base}/endpoint-assignments/devices/{mac}", new { endpoint = device })).Status);
        Assert.Equal(deviceNumber, (await RouteAsync(calling: did, mac: mac)).CallbackNumber);
        Assert.Equal(ownNumber, (await RouteAsync(calling: did)).CallbackNumber);

        // Deleting the user removes its own assignment; the call no longer presents it.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(client, HttpMethod.Delete, $"{Base}/users/{user}")).Status);
        Assert.NotEqual(ownNumber, (await RouteAsync(calling: did)).CallbackNumber);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Get, $"{Base}/endpoint-assignments/users/{user}")).Status);
    }

    [Fact]
    public async Task ApplyToSiteThenDomain_OneActionEach_UsersOverridesRemovedAndNewUsersInherit()
    {
        using var client = Client();
        var (site, domain, own) = (Unique("site"), Unique("domain"), Unique("own"));
        var (siteNumber, domainNumber, ownNumber) = (NewNumber(), NewNumber(), NewNumber());
        await CreateEndpointAsync(client, site, siteNumber, site: "hq");
        await CreateEndpointAsync(client, domain, domainNumber);
        await CreateEndpointAsync(client, own, ownNumber);
        var (hqUser, annexUser) = (Unique("hq"), Unique("annex"));
        var (hqDid, annexDid) = (NewNumber(), NewNumber());
        await SendAsync(client, HttpMethod.Post, Base + "/users", new { id = hqUser, displayName = "HQ User", site = "hq", dids = new[] { hqDid } });
        await SendAsync(client, HttpMethod.Post, Base + "/users", new { id = annexUser, displayName = "Annex User", site = "annex", dids = new[] { annexDid } });
        await SendAsync(client, HttpMethod.Put, $"{Base}/endpoint-assignments/users/{hqUser}", new { endpoint = own });
        await SendAsync(client, HttpMethod.Put, $"{Base}/endpoint-assignments/users/{annexUser}", new { endpoint = own });
        Assert.Equal(ownNumber, (await RouteAsync(calling: hqDid)).CallbackNumber);

        // A site's endpoint serves that site only.
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(client, HttpMethod.Post, $"{Base}/emergency-endpoints/{site}/apply-to-site/annex")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Post, $"{Base}/emergency-endpoints/{site}/apply-to-site/nowhere")).Status);

        var (applied, result, _) = await SendAsync(client, HttpMethod.Post, $"{Base}/emergency-endpoints/{site}/apply-to-site/hq");
        Assert.Equal(HttpStatusCode.OK, applied);
        Assert.True(result.GetProperty("users").GetInt32() >= 1);
        Assert.True(result.GetProperty("overridesRemoved").GetInt32() >= 1);
        Assert.Equal(siteNumber, (await RouteAsync(calling: hqDid)).CallbackNumber);
        // The annex user kept their own endpoint: the site manager of hq does not reach them.
        Assert.Equal(ownNumber, (await RouteAsync(calling: annexDid, ip: "10.2.0.77")).CallbackNumber);

        var (domainApplied, _, _) = await SendAsync(client, HttpMethod.Post, $"{Base}/emergency-endpoints/{domain}/apply-to-domain", new { keepOverrides = false });
        Assert.Equal(HttpStatusCode.OK, domainApplied);
        Assert.Equal(domainNumber, (await RouteAsync(calling: annexDid, ip: "10.2.0.77")).CallbackNumber);
        // The site's own assignment is more specific than the domain's and stays.
        Assert.Equal(siteNumber, (await RouteAsync(calling: hqDid)).CallbackNumber);

        // A user created afterwards inherits without being stamped.
        var later = NewNumber();
        await SendAsync(client, HttpMethod.Post, Base + "/users", new { id = Unique("later"), displayName = "Later", site = "annex", dids = new[] { later } });
        Assert.Equal(domainNumber, (await RouteAsync(calling: later, ip: "10.2.0.77")).CallbackNumber);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(client, HttpMethod.Delete, $"{Base}/endpoint-assignments/sites/hq")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(client, HttpMethod.Delete, $"{Base}/endpoint-assignments/tenant")).Status);
    }

    [Fact]
    public async Task TenantDeleted_WithEndpointsAssignmentsAndUsers_DeletedTogether()
    {
        using var client = Client();
        var tenant = Unique("gone");
        var demo = DemoWiremap.Create();
        var wiremap = LocationServer.Data.Wiremap.WiremapJson.WriteToString(demo with { Tenant = new Core.Wiremap.Tenant(tenant, "Gone"), Requesters = [] });
        using (var import = await client.PutAsync($"/admin/tenants/{tenant}/wiremap", new StringContent(wiremap, Encoding.UTF8, "application/json")))
            Assert.True(import.StatusCode == HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
        var path = $"/admin/tenants/{tenant}";
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Post, path + "/emergency-endpoints", new { id = "main", callbackNumber = NewNumber(), billingAddress = Billing() })).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Post, path + "/users", new { id = "u", displayName = "U", dids = new[] { NewNumber() }, deviceMacs = new[] { NewMac() } })).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Put, path + "/endpoint-assignments/users/u", new { endpoint = "main" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Post, path + "/emergency-endpoints/main/apply-to-domain")).Status);

        await Host.Services.GetRequiredService<LocationServer.Data.Storage.WiremapStore>().DeleteTenantAsync(tenant);

        var store = Host.Services.GetRequiredService<LocationServer.Data.Endpoints.EndpointDirectoryStore>();
        Assert.Null(await store.GetEndpointAsync(tenant, "main"));
        Assert.Null(await store.GetUserAsync(tenant, "u"));
        Assert.False((await store.ListVersionsAsync()).ContainsKey(tenant));
    }

    [Fact]
    public async Task OpenApi_EndpointOperations_HaveRequestAndResponseSchemas()
    {
        using var client = Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var post = paths.GetProperty("/admin/tenants/{tenant}/emergency-endpoints").GetProperty("post");
        Assert.True(post.TryGetProperty("requestBody", out _));
        Assert.True(post.GetProperty("responses").TryGetProperty("201", out _));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        foreach (var name in new[] { "EmergencyEndpointRequest", "EmergencyEndpointResponse", "DirectoryUserRequest", "DirectoryUserResponse", "EndpointAssignmentResponse", "ApplyEndpointResponse" })
            Assert.True(schemas.TryGetProperty(name, out _), name);
    }
}

/// <summary>On the embedded default: SQLite, demo tenant seeded.</summary>
public sealed class SqliteEndpointAdminTests(LocationServerFactory factory) : EndpointAdminTests, IClassFixture<LocationServerFactory>
{
    protected override WebApplicationFactory<Program> Host => factory;
}

/// <summary>On PostgreSQL and Redis, the demo wiremap imported.</summary>
[Collection(RealServersCollection.Name)]
public sealed class PostgresEndpointAdminTests(PostgresEndpointHost host) : EndpointAdminTests, IClassFixture<PostgresEndpointHost>
{
    protected override WebApplicationFactory<Program> Host => host.Replica;

    // Loopback is no admin on PostgreSQL: the replica's own client carries the break-glass key on /admin.
    protected override HttpClient Client() => host.Replica.CreateClient();
}

/// <summary>One replica on a fresh PostgreSQL database with the demo wiremap.</summary>
public sealed class PostgresEndpointHost : IAsyncLifetime
{
    private Cluster? _cluster;

    internal ReplicaFactory Replica => _cluster![0];

    public async Task InitializeAsync()
    {
        _cluster = await Cluster.StartAsync();
        using var client = _cluster[0].CreateClient();
        await Cluster.ImportAsync(client, DemoWiremap.Create());
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
