using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Admin;

public sealed class AdminEndpointTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public AdminEndpointTests(LocationServerFactory factory) => _factory = factory;

    private async Task<HttpClient> ClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Import_InvalidElement_RejectedWholeWithLineAndNothingApplied()
    {
        var client = await ClientAsync();
        var export = await client.GetStringAsync("/admin/tenants/demo/wiremap");
        // Break one MAC and rename the street: neither may be applied.
        var broken = export.Replace("00:11:22:33:44:55", "not-a-mac", StringComparison.Ordinal)
                           .Replace("\"Congress\"", "\"Renamed\"", StringComparison.Ordinal);
        Assert.NotEqual(export, broken);
        using var response = await client.PutAsync("/admin/tenants/demo/wiremap", Json(broken));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("line ", body, StringComparison.Ordinal);
        Assert.Contains("/elements/", body, StringComparison.Ordinal);

        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        Assert.Equal("Congress", doc.Civic("RD"));
    }

    [Theory]
    [InlineData("\"id\": \"demo\"", "\"id\": \"6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10\"", "6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10")]
    [InlineData("\"id\": \"demo\"", "\"id\": \"intruder\"", "intruder")]
    public async Task Import_AnotherTenantsCompanyUuid_IsRefusedAndPhonesStayWithTheirTenant(string find, string replace, string tenant)
    {
        var client = await ClientAsync();
        var export = await client.GetStringAsync("/admin/tenants/demo/wiremap");
        // A copy of the demo tenant under another id keeps the demo's company UUID, or takes it as its id.
        var copy = export.Replace(find, replace, StringComparison.Ordinal).Replace("\"Congress\"", "\"Decoy\"", StringComparison.Ordinal);
        Assert.NotEqual(export, copy);
        using var response = await client.PutAsync($"/admin/tenants/{tenant}/wiremap", Json(copy));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("already names tenant 'demo'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44", "/held/6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10");
        Assert.Equal("Congress", doc.Civic("RD"));
        using var tenants = await client.GetAsync("/admin/tenants");
        Assert.DoesNotContain("Decoy", await tenants.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_SyntaxError_ReportsLine()
    {
        var client = await ClientAsync();
        using var response = await client.PutAsync("/admin/tenants/demo/wiremap", Json("{\n  \"tenant\": {\n    \"id\": \"demo\",,\n"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("line 3", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ValidChange_AnsweredAtOnceAndExportRoundTrips()
    {
        using var factory = new LocationServerFactory();
        var client = factory.CreateClient();
        await client.WaitReadyAsync();
        var export = await client.GetStringAsync("/admin/tenants/demo/wiremap");
        var changed = export.Replace("\"Congress\"", "\"Colorado\"", StringComparison.Ordinal);
        using var response = await client.PutAsync("/admin/tenants/demo/wiremap", Json(changed));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var version = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt64();
        Assert.True(version >= 2);

        // Acknowledged means live on this replica.
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        Assert.Equal("Colorado", doc.Civic("RD"));
        Assert.Equal(changed, await client.GetStringAsync("/admin/tenants/demo/wiremap"));
    }

    [Fact]
    public async Task Import_TenantMismatch_Rejected()
    {
        var client = await ClientAsync();
        var export = await client.GetStringAsync("/admin/tenants/demo/wiremap");
        using var response = await client.PutAsync("/admin/tenants/other/wiremap", Json(export));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Explain_BssidAndSubnet_ReportsBssidRuleAndElement()
    {
        var client = await ClientAsync();
        var json = await client.GetStringAsync("/admin/tenants/demo/explain?ip=10.1.3.44&bssid=00-11-22-33-44-55");
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("Bssid", root.GetProperty("rule").GetString());
        Assert.Equal("ServingBssid", root.GetProperty("evidence").GetString());
        Assert.Equal("AP-HQ-3-01", root.GetProperty("element").GetProperty("description").GetString());
        Assert.Equal("hq-3-301", root.GetProperty("location").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Admin_FromNonLoopbackWithoutKey_Unauthorized()
    {
        var client = await ClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/tenants");
        request.Headers.Add(LocationServerFactory.RemoteIpHeader, "192.0.2.9");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Health_ReadyAfterLoad_ReportsWiremapVersion()
    {
        var client = await ClientAsync();
        var root = JsonDocument.Parse(await client.GetStringAsync("/health/ready")).RootElement;
        Assert.Equal("ready", root.GetProperty("status").GetString());
        Assert.True(root.GetProperty("wiremap").GetProperty("elements").GetInt32() > 0);
        Assert.Equal("live", await client.GetStringAsync("/health/live"));
    }

    [Fact]
    public async Task AlertTargets_AddListDelete_SecretNeverReturned()
    {
        var client = await ClientAsync();
        using var added = await client.PostAsync("/admin/tenants/demo/alert-targets",
            Json("{\"url\":\"https://desk.example/hook\",\"kinds\":[\"EmergencyCall\"],\"secret\":\"s3cret\"}"));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var id = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var list = await client.GetStringAsync("/admin/tenants/demo/alert-targets");
        Assert.Contains("https://desk.example/hook", list, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", list, StringComparison.Ordinal);
        using var bad = await client.PostAsync("/admin/tenants/demo/alert-targets", Json("{\"url\":\"not a url\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var deleted = await client.DeleteAsync($"/admin/tenants/demo/alert-targets/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain("desk.example", await client.GetStringAsync("/admin/tenants/demo/alert-targets"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/admin/tenants", "internal address")]
    [InlineData("http://localhost/hook", "local host")]
    [InlineData("http://2130706433/hook", "internal address")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "internal address")]
    [InlineData("http://10.0.0.5/hook", "internal address")]
    [InlineData("https://desk:pa55@desk.example/hook", "credentials")]
    public async Task AlertTargets_InternalOrCredentialUrl_RefusedWithReasonAndNotStored(string url, string reason)
    {
        var client = await ClientAsync();
        using var refused = await client.PostAsync("/admin/tenants/demo/alert-targets", Json($"{{\"url\":\"{url}\"}}"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("/url: ", body, StringComparison.Ordinal);
        Assert.Contains(reason, body, StringComparison.Ordinal);
        Assert.DoesNotContain(url, await client.GetStringAsync("/admin/tenants/demo/alert-targets"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertTargets_UnknownKind_RejectedNamingTheKnownKinds()
    {
        var client = await ClientAsync();
        using var bad = await client.PostAsync("/admin/tenants/demo/alert-targets",
            Json("{\"url\":\"https://soc.example/typo\",\"kinds\":[\"UnknownNetwork\",\"EmergencyCalls\"]}"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var body = await bad.Content.ReadAsStringAsync();
        Assert.Contains("/kinds/1", body, StringComparison.Ordinal);
        Assert.Contains("unknown-network", body, StringComparison.Ordinal);
        Assert.DoesNotContain("typo", await client.GetStringAsync("/admin/tenants/demo/alert-targets"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertTargets_KindsInEitherSpelling_StoredByName()
    {
        var client = await ClientAsync();
        using var added = await client.PostAsync("/admin/tenants/demo/alert-targets",
            Json("{\"url\":\"https://soc.example/spelling\",\"kinds\":[\"unknown-network\",\"TestCall\",\"UnknownNetwork\"]}"));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var kinds = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("kinds").EnumerateArray().Select(k => k.GetString());
        Assert.Equal(["UnknownNetwork", "TestCall"], kinds);
    }
}

/// <summary>With <c>Admin:ApiKey</c> set, credentials are checked before any request body is read.</summary>
public sealed class AdminKeyTests : IDisposable
{
    private const string Key = "admin-key-for-tests";
    private readonly LocationServerFactory _factory = new();

    public AdminKeyTests() => _factory.Settings["Admin:ApiKey"] = Key;

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData("PUT", "/admin/tenants/demo/wiremap", "application/json", "{ not json")]
    [InlineData("POST", "/admin/tenants/demo/alert-targets", "text/plain", "not even json")]
    [InlineData("POST", "/admin/tenants/demo/device-bindings", "application/json", "[{\"mac\": 1}]")]
    [InlineData("PUT", "/admin/tenants/demo/wiremap", "text/csv", "a,b")]
    public async Task Admin_AnonymousWithMalformedBody_IsUnauthorizedBeforeTheBodyIsRead(string method, string path, string contentType, string body)
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        using var anonymous = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        using var refused = await client.SendAsync(anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var wrongKey = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        wrongKey.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-key");
        using var refusedAgain = await client.SendAsync(wrongKey);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedAgain.StatusCode);

        using var keyed = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        keyed.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        using var read = await client.SendAsync(keyed);
        Assert.True(read.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, read.StatusCode.ToString());
    }
}

/// <summary>With <c>Admin:ApiKey</c> set, every wiremap and alert-target route needs it, from loopback too, and works with it.</summary>
public sealed class AdminKeyRouteTests : IDisposable
{
    private const string Key = "admin-key-for-route-tests";
    private readonly LocationServerFactory _factory = new();

    public AdminKeyRouteTests() => _factory.Settings["Admin:ApiKey"] = Key;

    public void Dispose() => _factory.Dispose();

    private static HttpRequestMessage Request(string method, string path, string? json, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    [Fact]
    public async Task WiremapAndAlertTargetRoutes_LoopbackWithoutKeyRefused_WithKeyServed()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var wiremap = LocationServer.Data.Wiremap.WiremapJson.WriteToString(LocationServer.Wiremap.DemoWiremap.Create());
        const string target = "{\"url\":\"https://desk.example/hook\",\"kinds\":[\"EmergencyCall\"]}";

        // Loopback without the key: every route refused, nothing changed.
        foreach (var (method, path, body) in new[]
        {
            ("GET", "/admin/tenants/demo/wiremap", (string?)null),
            ("PUT", "/admin/tenants/demo/wiremap", wiremap),
            ("GET", "/admin/tenants/demo/alert-targets", null),
            ("POST", "/admin/tenants/demo/alert-targets", target),
            ("DELETE", $"/admin/tenants/demo/alert-targets/{Guid.NewGuid()}", null),
        })
        {
            using var anonymous = Request(method, path, body, key: null);
            using var refused = await client.SendAsync(anonymous);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} without the key answered {(int)refused.StatusCode}");
            using var wrong = Request(method, path, body, key: "not-the-admin-key-at-all");
            using var refusedAgain = await client.SendAsync(wrong);
            Assert.True(refusedAgain.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with a wrong key answered {(int)refusedAgain.StatusCode}");
        }
        using (var list = Request("GET", "/admin/tenants/demo/alert-targets", null, Key))
        using (var listed = await client.SendAsync(list))
            Assert.DoesNotContain("desk.example", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // With the key: export, import, add, list, delete.
        using (var export = Request("GET", "/admin/tenants/demo/wiremap", null, Key))
        using (var exported = await client.SendAsync(export))
        {
            Assert.Equal(HttpStatusCode.OK, exported.StatusCode);
            Assert.Contains("Congress", await exported.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var import = Request("PUT", "/admin/tenants/demo/wiremap", wiremap, Key))
        using (var imported = await client.SendAsync(import))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Guid id;
        using (var add = Request("POST", "/admin/tenants/demo/alert-targets", target, Key))
        using (var added = await client.SendAsync(add))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            id = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        }
        using (var list = Request("GET", "/admin/tenants/demo/alert-targets", null, Key))
        using (var listed = await client.SendAsync(list))
            Assert.Contains("desk.example", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var delete = Request("DELETE", $"/admin/tenants/demo/alert-targets/{id}", null, Key))
        using (var deleted = await client.SendAsync(delete))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}
