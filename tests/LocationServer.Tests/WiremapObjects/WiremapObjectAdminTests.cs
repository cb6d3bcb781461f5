using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.Endpoints;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.WiremapObjects;

/// <summary>
/// The per-object wiremap routes (tenants, sites, locations, elements, DIDs, requesters) against one replica on
/// PostgreSQL and Redis with the demo wiremap: create, read, update and delete per kind, entity tags and If-Match,
/// field-path errors, refused deletes, the audit trail, and what HELD's matching and RouteCall answer after a change.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class WiremapObjectAdminTests(PostgresEndpointHost host) : IClassFixture<PostgresEndpointHost>
{
    private const string Base = "/admin/tenants/demo";

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A 10.x.y.0/24 no other test of the class uses.</summary>
    private static string NewSubnet() => $"10.{Random.Shared.Next(100, 249)}.{Random.Shared.Next(0, 255)}.0/24";

    private static Dictionary<string, string> Address(string houseNumber = "700", string city = "Austin") => new()
    {
        ["country"] = "US",
        ["A1"] = "TX",
        ["A3"] = city,
        ["RD"] = "Lamar",
        ["STS"] = "Blvd",
        ["HNO"] = houseNumber,
        ["PC"] = "78703",
    };

    private async Task<(HttpStatusCode Status, JsonElement Body, string? ETag)> SendAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var client = host.Replica.CreateClient();
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, json, response.Headers.ETag?.ToString());
    }

    private async Task<(JsonElement Body, string ETag)> CreateAsync(string path, object body)
    {
        var (status, created, etag) = await SendAsync(HttpMethod.Post, path, body);
        Assert.True(status == HttpStatusCode.Created, $"POST {path}: {(int)status} {created}");
        Assert.NotNull(etag);
        Assert.Equal(etag, created.GetProperty("eTag").GetString());
        return (created, etag!);
    }

    private static string[] Errors(JsonElement problem) =>
        problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray().Select(e => e.GetString()!)] : [];

    private async Task<CallRouting> RouteAsync(string stationIp)
    {
        using var scope = host.Replica.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = "911", CallingNumber = "+15125550111", StationIp = stationIp }, CancellationToken.None);
        return outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
    }

    [Fact]
    public async Task Site_CreateReadUpdateDelete_EveryWriteGuardedByContentETag()
    {
        var id = Unique("site");
        var (created, etag) = await CreateAsync(Base + "/sites", new { id, name = "Lamar office", address = Address(), point = new { latitude = 30.28, longitude = -97.76 } });
        Assert.Equal("Lamar", created.GetProperty("address").GetProperty("RD").GetString());

        var (status, read, readTag) = await SendAsync(HttpMethod.Get, $"{Base}/sites/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(etag, readTag);
        Assert.Equal("Lamar office", read.GetProperty("name").GetString());

        var (_, page, _) = await SendAsync(HttpMethod.Get, $"{Base}/sites?name=lamar%20OFF&city=austin&limit=5");
        Assert.Contains(page.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
        var (_, none, _) = await SendAsync(HttpMethod.Get, $"{Base}/sites?name=lamar%20off&city=Toronto");
        Assert.Equal(0, none.GetProperty("total").GetInt32());

        var change = new { name = "Lamar office (2nd floor)", address = Address("701"), point = new { latitude = 30.28, longitude = -97.76 } };
        var (updated, updatedBody, newTag) = await SendAsync(HttpMethod.Put, $"{Base}/sites/{id}", change, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.NotEqual(etag, newTag);
        Assert.Equal("701", updatedBody.GetProperty("address").GetProperty("HNO").GetString());

        // The first tag is stale now: writes with it change nothing and say which tag is current.
        var (stale, _, current) = await SendAsync(HttpMethod.Put, $"{Base}/sites/{id}", change with { name = "lost update" }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale);
        Assert.Equal(newTag, current);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Delete, $"{Base}/sites/{id}", ifMatch: etag)).Status);
        Assert.Equal("Lamar office (2nd floor)", (await SendAsync(HttpMethod.Get, $"{Base}/sites/{id}")).Body.GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, Base + "/sites", new { id, name = "again", address = Address() })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/sites/{id}", ifMatch: newTag)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/sites/{id}")).Status);
    }

    [Fact]
    public async Task Site_InvalidFields_ProblemNamesEachFieldPath()
    {
        var address = new Dictionary<string, string> { ["country"] = "US", ["A1"] = "Texas", ["A3"] = "Austin", ["HNO"] = "1", ["PC"] = "7870", ["Street"] = "Main" };
        var (status, body, _) = await SendAsync(HttpMethod.Post, Base + "/sites", new { id = Unique("bad"), name = "", address, point = new { latitude = 95.0 }, callbackNumber = "12" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = Errors(body);
        Assert.Contains(errors, e => e.StartsWith("/address/Street:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/point/longitude:", StringComparison.Ordinal));

        // With the shape right, the civic and wiremap rules name their fields relative to the site.
        (status, body, _) = await SendAsync(HttpMethod.Post, Base + "/sites", new { id = Unique("bad"), name = "", address = address.Where(a => a.Key != "Street").ToDictionary(), point = new { latitude = 95.0, longitude = 0.0 }, callbackNumber = "12" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        errors = Errors(body);
        foreach (var path in new[] { "/name:", "/address/A1:", "/address/PC:", "/address/RD:", "/point/latitude:", "/callbackNumber:" })
            Assert.Contains(errors, e => e.StartsWith(path, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.StartsWith("/address/A3", StringComparison.Ordinal) || e.StartsWith("/sites/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Location_CreateUpdateDelete_ElinErrorsNamedByIndexAndRouteCallFollows()
    {
        var id = Unique("hq-loc");
        var subnet = NewSubnet();
        var station = subnet.Replace(".0/24", ".9", StringComparison.Ordinal);
        var (created, etag) = await CreateAsync(Base + "/sites/hq/locations", new { id, floor = "7", room = "701", text = "Server room" });
        Assert.Equal("7", created.GetProperty("address").GetProperty("FLR").GetString());
        Assert.Equal("Congress", created.GetProperty("address").GetProperty("RD").GetString());
        await CreateAsync(Base + "/elements", new { kind = "subnet", value = subnet, locationId = id });
        Assert.Equal(id, (await RouteAsync(station)).Location!.Id);

        // ELIN 1 is another location's (hq-3-301 holds +15125559301), ELIN 2 is no number.
        var (invalid, problem, _) = await SendAsync(HttpMethod.Put, $"{Base}/sites/hq/locations/{id}", new { floor = "7", elins = new[] { "+15125557701", "+15125559301", "not a number" } }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        var errors = Errors(problem);
        Assert.Contains(errors, e => e.StartsWith("/elins/2:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/elins/1:", StringComparison.Ordinal) || e.StartsWith("/locations/", StringComparison.Ordinal) && e.Contains("+15125559301", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.StartsWith("/elins/0:", StringComparison.Ordinal));

        var (ok, updated, newTag) = await SendAsync(HttpMethod.Put, $"{Base}/sites/hq/locations/{id}", new { floor = "8", room = "801", elins = new[] { "+1 512 555 7701" } }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.NotEqual(etag, newTag);
        var routed = await RouteAsync(station);
        Assert.Equal("8", routed.Location!.Civic.FLR);
        Assert.Equal("+15125557701", routed.CallbackNumber);
        Assert.Equal("8", updated.GetProperty("floor").GetString());

        // Still referred to by the element: refused naming it, unless cascaded.
        var (refused, conflict, _) = await SendAsync(HttpMethod.Delete, $"{Base}/sites/hq/locations/{id}");
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains(Errors(conflict), e => e.Contains(subnet, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/sites/hq/locations/{id}?cascade=true", ifMatch: newTag)).Status);
        var (_, left, _) = await SendAsync(HttpMethod.Get, $"{Base}/elements?kind=subnet&value={Uri.EscapeDataString(subnet)}");
        Assert.Equal(0, left.GetProperty("total").GetInt32());
        Assert.NotEqual(id, (await RouteAsync(station)).Location?.Id);
    }

    [Fact]
    public async Task Site_DeleteWithLocationsElementsAndDids_RefusedNamingThemUnlessCascade()
    {
        var site = Unique("site");
        var location = site + "-1";
        var did = "+1512" + Random.Shared.Next(2_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await CreateAsync(Base + "/sites", new { id = site, name = "Doomed", address = Address("702") });
        await CreateAsync($"{Base}/sites/{site}/locations", new { id = location, floor = "1" });
        var (element, _) = await CreateAsync(Base + "/elements", new { kind = "gatewayMac", value = "02-00-5e-" + Random.Shared.Next(16, 255).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + "-00-01", siteId = site });
        await CreateAsync(Base + "/dids", new { number = did, locationId = location, user = "carol" });

        var (status, problem, _) = await SendAsync(HttpMethod.Delete, $"{Base}/sites/{site}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        var errors = Errors(problem);
        Assert.Contains(errors, e => e.Contains($"location '{location}'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(element.GetProperty("normalizedValue").GetString()!, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(did, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"{Base}/sites/{site}")).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/sites/{site}?cascade=true")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/dids/{Uri.EscapeDataString(did)}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/elements/{element.GetProperty("id").GetString()}")).Status);
    }

    [Fact]
    public async Task Site_DeleteNamedByEndpointsAssignmentsOrUsers_RefusedNamingThemEvenWithCascade()
    {
        var site = Unique("site");
        var endpoint = Unique("ecbn");
        var user = Unique("user");
        var number = "+1512" + Random.Shared.Next(2_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await CreateAsync(Base + "/sites", new { id = site, name = "Named", address = Address("706") });
        await CreateAsync(Base + "/emergency-endpoints", new { id = endpoint, callbackNumber = number, billingAddress = Address("706"), site });
        var (applied, appliedBody, _) = await SendAsync(HttpMethod.Post, $"{Base}/emergency-endpoints/{endpoint}/apply-to-site/{site}");
        Assert.True(applied is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent, $"{(int)applied} {appliedBody}");
        await CreateAsync(Base + "/users", new { id = user, displayName = "Home Site", site });

        var (status, problem, _) = await SendAsync(HttpMethod.Delete, $"{Base}/sites/{site}?cascade=true");
        Assert.Equal(HttpStatusCode.Conflict, status);
        var errors = Errors(problem);
        Assert.Contains(errors, e => e.Contains($"site '{site}' is still named by 3", StringComparison.Ordinal));
        Assert.Contains($"emergency endpoint '{endpoint}'", errors);
        Assert.Contains($"the site's endpoint assignment (endpoint '{endpoint}')", errors);
        Assert.Contains($"user '{user}' (home site)", errors);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"{Base}/sites/{site}")).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/users/{user}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/endpoint-assignments/sites/{site}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/emergency-endpoints/{endpoint}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/sites/{site}")).Status);
    }

    [Fact]
    public async Task Locations_TenantWideList_FiltersBySiteFloorAndTextAndPages()
    {
        var site = Unique("site");
        await CreateAsync(Base + "/sites", new { id = site, name = "Listed", address = Address("708") });
        await CreateAsync($"{Base}/sites/{site}/locations", new { id = site + "-1", floor = "1", text = "Front desk" });
        await CreateAsync($"{Base}/sites/{site}/locations", new { id = site + "-2a", floor = "2", text = "North" });
        await CreateAsync($"{Base}/sites/{site}/locations", new { id = site + "-2b", floor = "2", room = "Front office" });

        var (status, page, _) = await SendAsync(HttpMethod.Get, $"{Base}/locations?site={site}&limit=2");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal([site + "-1", site + "-2a"], page.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetString()));
        var (_, next, _) = await SendAsync(HttpMethod.Get, $"{Base}/locations?site={site}&offset=2&limit=2");
        Assert.Equal(site + "-2b", Assert.Single(next.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        var (_, floor2, _) = await SendAsync(HttpMethod.Get, $"{Base}/locations?site={site}&floor=2");
        Assert.Equal(2, floor2.GetProperty("total").GetInt32());
        var (_, front, _) = await SendAsync(HttpMethod.Get, $"{Base}/locations?site={site}&text=front");
        Assert.Equal([site + "-1", site + "-2b"], front.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetString()));
        var (_, everything, _) = await SendAsync(HttpMethod.Get, $"{Base}/locations?limit=1000");
        var ids = everything.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetString()).ToList();
        Assert.Contains("annex-2", ids);
        Assert.Contains(site + "-2b", ids);
        Assert.Equal("Listed", (await SendAsync(HttpMethod.Get, $"{Base}/sites/{site}")).Body.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"{Base}/locations?limit=0")).Status);
    }

    [Fact]
    public async Task Element_CreateFindUpdateDelete_AnySpellingOfValueFindsOneElement()
    {
        var mac = "02:00:5e:" + Random.Shared.Next(16, 255).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + ":10:20";
        var (created, etag) = await CreateAsync(Base + "/elements", new { kind = "bssid", value = mac.ToUpperInvariant().Replace(':', '-'), locationId = "hq-3-west", description = "AP test" });
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(mac, created.GetProperty("normalizedValue").GetString());

        var (_, found, _) = await SendAsync(HttpMethod.Get, $"{Base}/elements?kind=bssid&value={mac.Replace(":", "", StringComparison.Ordinal)}");
        Assert.Equal(1, found.GetProperty("total").GetInt32());
        Assert.Equal(id, found.GetProperty("items")[0].GetProperty("id").GetString());
        var (_, byLocation, _) = await SendAsync(HttpMethod.Get, $"{Base}/elements?location=hq-3-west&kind=bssid");
        Assert.Contains(byLocation.GetProperty("items").EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        var (_, offPremises, _) = await SendAsync(HttpMethod.Get, $"{Base}/elements?offPremises=true");
        Assert.All(offPremises.GetProperty("items").EnumerateArray(), e => Assert.True(e.GetProperty("offPremises").GetBoolean()));
        Assert.Contains(offPremises.GetProperty("items").EnumerateArray(), e => e.GetProperty("value").GetString() == "10.250.0.0/16");

        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, Base + "/elements", new { kind = "bssid", value = mac, siteId = "hq" })).Status);
        var (moved, movedBody, movedTag) = await SendAsync(HttpMethod.Put, $"{Base}/elements/{id}", new { kind = "bssid", value = mac, siteId = "annex" }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, moved);
        Assert.Equal("annex", movedBody.GetProperty("siteId").GetString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Put, $"{Base}/elements/{id}", new { kind = "bssid", value = mac, siteId = "hq" }, ifMatch: etag)).Status);
        var (renamed, renameProblem, _) = await SendAsync(HttpMethod.Put, $"{Base}/elements/{id}", new { kind = "bssid", value = "02:00:5e:00:00:01", siteId = "hq" }, ifMatch: movedTag);
        Assert.Equal(HttpStatusCode.BadRequest, renamed);
        Assert.Contains(Errors(renameProblem), e => e.StartsWith("/value:", StringComparison.Ordinal));

        var (invalid, problem, _) = await SendAsync(HttpMethod.Post, Base + "/elements", new { kind = "subnet", value = "10.9.9.1/24", locationId = "nowhere" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Contains(Errors(problem), e => e.StartsWith("/value:", StringComparison.Ordinal));
        (invalid, problem, _) = await SendAsync(HttpMethod.Post, Base + "/elements", new { kind = "subnet", value = NewSubnet(), locationId = "nowhere" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Contains(Errors(problem), e => e.StartsWith("/locationId:", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/elements/{id}", ifMatch: movedTag)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/elements/{id}")).Status);
    }

    [Fact]
    public async Task Did_CreateReadUpdateDelete_RouteCallLocatesByDid()
    {
        var number = "+1512" + Random.Shared.Next(2_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (created, etag) = await CreateAsync(Base + "/dids", new { number, locationId = "annex-2", heldCapable = false, user = "dora" });
        Assert.False(created.GetProperty("heldCapable").GetBoolean());
        var national = "+1 (" + number[2..5] + ") " + number[5..8] + "-" + number[8..];
        var (status, read, readTag) = await SendAsync(HttpMethod.Get, $"{Base}/dids/{Uri.EscapeDataString(national)}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(etag, readTag);
        Assert.Equal("dora", read.GetProperty("user").GetString());
        var (_, byUser, _) = await SendAsync(HttpMethod.Get, $"{Base}/dids?user=DOR&site=annex");
        Assert.Contains(byUser.GetProperty("items").EnumerateArray(), d => d.GetProperty("number").GetString() == number);

        var (updated, _, newTag) = await SendAsync(HttpMethod.Put, $"{Base}/dids/{Uri.EscapeDataString(number)}", new { locationId = "lab-1", heldCapable = false, user = "dora" }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Delete, $"{Base}/dids/{Uri.EscapeDataString(number)}", ifMatch: etag)).Status);
        var (missing, problem, _) = await SendAsync(HttpMethod.Put, $"{Base}/dids/{Uri.EscapeDataString(number)}", new { locationId = "nowhere" }, ifMatch: newTag);
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains(Errors(problem), e => e.StartsWith("/locationId:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, Base + "/dids", new { number = national, locationId = "hq" })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/dids/{Uri.EscapeDataString(number)}", ifMatch: newTag)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/dids/{Uri.EscapeDataString(number)}")).Status);
    }

    [Fact]
    public async Task Requester_CreateUpdateDelete_KeyWriteOnly()
    {
        var name = Unique("pbx");
        var (created, etag) = await CreateAsync(Base + "/requesters", new { name, key = "a-long-enough-secret-key", sourceCidrs = new[] { "192.0.2.0/24" } });
        Assert.True(created.GetProperty("hasKey").GetBoolean());
        Assert.DoesNotContain("secret", created.ToString(), StringComparison.Ordinal);
        Assert.False(created.TryGetProperty("keySha256", out _));

        // Without a new key the stored one stays.
        var (updated, body, newTag) = await SendAsync(HttpMethod.Put, $"{Base}/requesters/{name}", new { sourceCidrs = new[] { "192.0.2.0/25" }, referenceOnly = true }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.True(body.GetProperty("hasKey").GetBoolean());
        Assert.True(body.GetProperty("referenceOnly").GetBoolean());
        var (invalid, problem, _) = await SendAsync(HttpMethod.Put, $"{Base}/requesters/{name}", new { sourceCidrs = new[] { "192.0.2.0/25", "192.0.2.1/24" } }, ifMatch: newTag);
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Contains(Errors(problem), e => e.StartsWith("/sourceCidrs/1:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/requesters/{name}", ifMatch: newTag)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/requesters/{name}")).Status);
    }

    [Fact]
    public async Task Tenant_CreateUpdateDelete_ListPagedAndDeleteRefusedWhileItHasObjects()
    {
        var id = Unique("t");
        var (created, etag) = await CreateAsync("/admin/tenants", new { id, name = "Tenant under test", didFallback = true });
        Assert.Equal(0, created.GetProperty("sites").GetInt32());
        var (_, listed, _) = await SendAsync(HttpMethod.Get, $"/admin/tenants?name={id}&limit=1");
        Assert.Equal(id, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/admin/tenants", new { id, name = "again" })).Status);
        var (invalid, problem, _) = await SendAsync(HttpMethod.Post, "/admin/tenants", new { id = "Not An Id", name = "" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Contains(Errors(problem), e => e.StartsWith("/id:", StringComparison.Ordinal));
        Assert.Contains(Errors(problem), e => e.StartsWith("/name:", StringComparison.Ordinal));

        var (updated, body, newTag) = await SendAsync(HttpMethod.Put, $"/admin/tenants/{id}", new { name = "Renamed", callbackNumber = "+15125550999" }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Equal("Renamed", body.GetProperty("name").GetString());
        Assert.False(body.GetProperty("didFallback").GetBoolean());
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Put, $"/admin/tenants/{id}", new { name = "Lost" }, ifMatch: etag)).Status);

        await CreateAsync($"/admin/tenants/{id}/sites", new { id = "main", name = "Main", address = Address() });
        // A change to one of its sites leaves the tenant's own tag alone.
        Assert.Equal(newTag, (await SendAsync(HttpMethod.Get, $"/admin/tenants/{id}")).ETag);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Delete, $"/admin/tenants/{id}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/tenants/{id}?cascade=true", ifMatch: newTag)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/admin/tenants/{id}")).Status);
    }

    [Fact]
    public async Task Objects_TwoAdminsEditDifferentSitesFromOneRead_NeitherConflicts()
    {
        var first = Unique("site");
        var second = Unique("site");
        var (_, firstTag) = await CreateAsync(Base + "/sites", new { id = first, name = "One", address = Address("710") });
        var (_, secondTag) = await CreateAsync(Base + "/sites", new { id = second, name = "Two", address = Address("711") });
        var results = await Task.WhenAll(
            SendAsync(HttpMethod.Put, $"{Base}/sites/{first}", new { name = "One changed", address = Address("710") }, ifMatch: firstTag),
            SendAsync(HttpMethod.Put, $"{Base}/sites/{second}", new { name = "Two changed", address = Address("711") }, ifMatch: secondTag));
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal("One changed", (await SendAsync(HttpMethod.Get, $"{Base}/sites/{first}")).Body.GetProperty("name").GetString());
        Assert.Equal("Two changed", (await SendAsync(HttpMethod.Get, $"{Base}/sites/{second}")).Body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Objects_Changes_RecordedInAuditTrailWithBeforeAndAfter()
    {
        var id = Unique("site");
        var (_, etag) = await CreateAsync(Base + "/sites", new { id, name = "Audited", address = Address("720") });
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, $"{Base}/sites/{id}", new { name = "Audited again", address = Address("720") }, ifMatch: etag)).Status);
        var (_, trail, _) = await SendAsync(HttpMethod.Get, $"{Base}/audit?kind=site.update&limit=50");
        var entry = trail.GetProperty("items").EnumerateArray().First(e => e.GetProperty("objectId").GetString() == id);
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
        Assert.Equal("Audited", entry.GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("Audited again", entry.GetProperty("after").GetProperty("name").GetString());
        var (_, creates, _) = await SendAsync(HttpMethod.Get, $"{Base}/audit?kind=site.create&limit=50");
        Assert.Contains(creates.GetProperty("items").EnumerateArray(), e => e.GetProperty("objectId").GetString() == id);
    }

    [Fact]
    public async Task PsapBoundary_CreateReadUpdateDelete_GeoJsonInAndOutAndRouteCallFollows()
    {
        // This host started before its database was migrated: the boundary file seeds the store at the loader's next
        // look, which this brings forward.
        await host.Replica.Services.GetRequiredService<PsapBoundaryStoreLoader>().ReloadAsync(CancellationToken.None);
        var id = Unique("psap");
        static object Square(double west, double south, double size) => new
        {
            type = "Polygon",
            coordinates = new[] { new[] { new[] { west, south }, new[] { west + size, south }, new[] { west + size, south + size }, new[] { west, south + size }, new[] { west, south } } },
        };
        // Around the Lab site (30.5083, -97.6789), inside the demo Williamson County boundary.
        var (created, etag) = await CreateAsync("/admin/psap-boundaries", new { id, name = "Round Rock 9-1-1 (test)", uri = "sip:psap-rr@esinet.invalid", geometry = Square(-97.70, 30.49, 0.04) });
        Assert.Equal("Polygon", created.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal(-97.70, created.GetProperty("geometry").GetProperty("coordinates")[0][0][0].GetDouble(), 6);
        var (status, read, readTag) = await SendAsync(HttpMethod.Get, $"/admin/psap-boundaries/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(etag, readTag);
        Assert.Equal("sip:psap-rr@esinet.invalid", read.GetProperty("uri").GetString());
        Assert.Equal(id, (await RouteAsync("10.3.0.5")).PsapBoundaryId);

        // Moved off the Lab: its calls go back to the county's boundary.
        var (updated, _, newTag) = await SendAsync(HttpMethod.Put, $"/admin/psap-boundaries/{id}", new { name = "Round Rock 9-1-1 (test)", uri = "sip:psap-rr@esinet.invalid", geometry = Square(-97.60, 30.49, 0.04) }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.NotEqual(etag, newTag);
        Assert.Equal("psap-williamson", (await RouteAsync("10.3.0.5")).PsapBoundaryId);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(HttpMethod.Put, $"/admin/psap-boundaries/{id}", new { name = "x", uri = "sip:x@esinet.invalid", geometry = Square(-97.70, 30.49, 0.04) }, ifMatch: etag)).Status);

        var open = new { type = "Polygon", coordinates = new[] { new[] { new[] { -97.7, 30.4 }, new[] { -97.6, 30.4 }, new[] { -97.6, 30.5 }, new[] { -97.7, 30.5 } } } };
        var (invalid, problem, _) = await SendAsync(HttpMethod.Post, "/admin/psap-boundaries", new { id = Unique("psap"), name = "Open", uri = "http://not-sip", geometry = open, tenant = "nowhere" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        var errors = Errors(problem);
        Assert.Contains(errors, e => e.StartsWith("/tenant:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/uri:", StringComparison.Ordinal) || e.StartsWith("/geometry:", StringComparison.Ordinal));
        (invalid, problem, _) = await SendAsync(HttpMethod.Post, "/admin/psap-boundaries", new { id = Unique("psap"), name = "Open", uri = "sip:open@esinet.invalid", geometry = open });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Contains(Errors(problem), e => e.StartsWith("/geometry:", StringComparison.Ordinal) && e.Contains("ring", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/admin/psap-boundaries", new { id, name = "again", uri = "sip:a@esinet.invalid", geometry = Square(0, 0, 1) })).Status);
        var (_, page, _) = await SendAsync(HttpMethod.Get, "/admin/psap-boundaries?name=round%20rock");
        Assert.Contains(page.GetProperty("items").EnumerateArray(), b => b.GetProperty("id").GetString() == id);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/psap-boundaries/{id}", ifMatch: newTag)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/admin/psap-boundaries/{id}")).Status);
    }
}
