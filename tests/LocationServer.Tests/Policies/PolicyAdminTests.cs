using System.Net;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.AdminAccounts;

namespace LocationServer.Tests.Policies;

/// <summary>
/// The policy admin API: create, read, replace with If-Match, delete; field-path problem details for invalid
/// policies; site managers limited to their sites; every change in the audit trail; policies in the whole-tenant
/// export and import.
/// </summary>
public sealed class PolicyAdminTests(PolicyHost host) : IClassFixture<PolicyHost>, IAsyncLifetime
{
    public Task InitializeAsync() => host.ClearPoliciesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string[] Errors(string body)
    {
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)];
    }

    [Fact]
    public async Task PolicyPut_CreateReadReplaceDelete_HonoursIfMatch()
    {
        var (created, body, etag) = await host.PutPolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq"],"mode":"testOnly"}""", createOnly: true);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.NotNull(etag);
        Assert.Contains("\"mode\":\"testOnly\"", body, StringComparison.Ordinal);

        using (var read = await host.Client.GetAsync("/admin/tenants/demo/policies/hq"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(etag, read.Headers.ETag?.ToString());
        }
        var (again, _, _) = await host.PutPolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq"]}""", createOnly: true);
        Assert.Equal(HttpStatusCode.PreconditionFailed, again);

        var (replaced, _, newTag) = await host.PutPolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq"],"mode":"enabled"}""", ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, replaced);
        Assert.NotEqual(etag, newTag);

        var (stale, staleBody, current) = await host.PutPolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq"],"mode":"disabled"}""", ifMatch: etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale);
        Assert.Equal(newTag, current);
        Assert.Contains("changed since it was read", staleBody, StringComparison.Ordinal);
        // The refused write changed nothing: HQ is still enabled.
        Assert.Equal(RouteDestination.Psap, (await host.RoutedAsync("911", PolicyHost.HqVoiceIp)).Destination);

        // A change to another policy leaves this one's ETag as it was.
        await host.PolicyAsync("tenant", """{"name":"Tenant","scope":"tenant","preset":"us"}""");
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, "/admin/tenants/demo/policies/hq"))
        {
            delete.Headers.TryAddWithoutValidation("If-Match", newTag);
            using var deleted = await host.Client.SendAsync(delete);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using var gone = await host.Client.GetAsync("/admin/tenants/demo/policies/hq");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"X","scope":"tenant","dialStrings":[{"digits":"9-1-1","service":"emergency"}]}""", "/dialStrings/0/digits")]
    [InlineData("""{"name":"X","scope":"tenant","preset":"us","dialStrings":[{"digits":"911","service":"test"}]}""", "/dialStrings/0/service")]
    [InlineData("""{"name":"X","scope":"tenant","dialStrings":[{"digits":"77","service":"emergency"},{"digits":"77","service":"test"}]}""", "/dialStrings/1/service")]
    [InlineData("""{"name":"X","scope":"tenant","preset":"fr"}""", "/preset")]
    [InlineData("""{"name":"X","scope":"site","siteIds":["nowhere"]}""", "/siteIds/0")]
    [InlineData("""{"name":"X","scope":"site"}""", "/siteIds")]
    [InlineData("""{"name":"X","scope":"network","networks":["10.1.3.1/24"]}""", "/networks/0")]
    [InlineData("""{"name":"X","scope":"tenant","relayCenterUri":"https://relay.example"}""", "/relayCenterUri")]
    [InlineData("""{"name":"X","scope":"tenant","conference":{"uri":"sip:desk@hq.example","mode":"threeWay"}}""", "/conference/mode")]
    [InlineData("""{"name":"X","scope":"tenant","callbackWindowMinutes":0}""", "/callbackWindowMinutes")]
    [InlineData("""{"name":"X","scope":"tenant","manualEntry":"sometimes"}""", "/manualEntry")]
    [InlineData("""{"name":"X","scope":"building"}""", "/scope")]
    [InlineData("""{"scope":"tenant"}""", "/name")]
    public async Task PolicyPut_InvalidSetting_ProblemNamesTheFieldPath(string json, string path)
    {
        var (status, body, _) = await host.PutPolicyAsync("bad", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("application/problem+json", await ContentTypeAsync(json), StringComparison.Ordinal);
        Assert.Contains(Errors(body), e => e.StartsWith(path + ":", StringComparison.Ordinal));
        using var list = await host.Client.GetAsync("/admin/tenants/demo/policies");
        Assert.DoesNotContain("\"bad\"", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string> ContentTypeAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/tenants/demo/policies/bad") { Content = AdminApi.Json(json) };
        using var response = await host.Client.SendAsync(request);
        return response.Content.Headers.ContentType?.MediaType ?? "";
    }

    [Theory]
    [InlineData("effective", "/id")]
    [InlineData("has space", "/id")]
    public async Task PolicyPut_UnusableId_ProblemNamesTheId(string id, string path)
    {
        var (status, body, _) = await host.PutPolicyAsync(Uri.EscapeDataString(id), """{"name":"X","scope":"tenant"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(Errors(body), e => e.StartsWith(path + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PolicyPut_SecondPolicyForTheSameSite_RefusedNamingTheOther()
    {
        await host.PolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq"]}""");
        var (status, body, _) = await host.PutPolicyAsync("hq-too", """{"name":"HQ again","scope":"site","siteIds":["annex","hq"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(Errors(body), e => e.StartsWith("/siteIds/1:", StringComparison.Ordinal) && e.Contains("'hq'", StringComparison.Ordinal));
        var (tenant2, body2, _) = await host.PutPolicyAsync("t1", """{"name":"T","scope":"tenant"}""");
        Assert.Equal(HttpStatusCode.Created, tenant2);
        var (tenant3, body3, _) = await host.PutPolicyAsync("t2", """{"name":"T2","scope":"tenant"}""");
        Assert.Equal(HttpStatusCode.BadRequest, tenant3);
        Assert.Contains(Errors(body3), e => e.StartsWith("/scope:", StringComparison.Ordinal));
        Assert.NotNull(body2);
    }

    [Fact]
    public async Task PolicyPut_SiteManager_OnlyPoliciesOfOwnSites()
    {
        var manager = await AdminApi.CreateKeyAsync(host.Client, null, """{"role":"siteManager","tenant":"demo","sites":["hq"]}""");
        var (own, _, _) = await host.PutPolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq"],"mode":"testOnly"}""", key: manager);
        Assert.Equal(HttpStatusCode.Created, own);
        var (other, otherBody, _) = await host.PutPolicyAsync("annex", """{"name":"Annex","scope":"site","siteIds":["annex"]}""", key: manager);
        Assert.Equal(HttpStatusCode.Forbidden, other);
        Assert.Contains("annex", otherBody, StringComparison.Ordinal);
        var (both, _, _) = await host.PutPolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq","annex"]}""", key: manager);
        Assert.Equal(HttpStatusCode.Forbidden, both);
        var (tenant, _, _) = await host.PutPolicyAsync("tenant", """{"name":"Tenant","scope":"tenant"}""", key: manager);
        Assert.Equal(HttpStatusCode.Forbidden, tenant);
        var (network, _, _) = await host.PutPolicyAsync("net", """{"name":"Net","scope":"network","networks":["10.1.3.0/24"]}""", key: manager);
        Assert.Equal(HttpStatusCode.Forbidden, network);

        // A policy the tenant admin widened to another site is no longer the site manager's to delete.
        await host.PolicyAsync("hq", """{"name":"HQ and annex","scope":"site","siteIds":["hq","annex"]}""");
        var (delete, _) = await AdminApi.SendAsync(host.Client, manager, HttpMethod.Delete, "/admin/tenants/demo/policies/hq");
        Assert.Equal(HttpStatusCode.Forbidden, delete);
    }

    [Fact]
    public async Task PolicyChanges_AppearInTheAuditTrailWithBeforeAndAfter()
    {
        await host.PolicyAsync("audited", """{"name":"Audited","scope":"tenant","mode":"testOnly"}""");
        await host.PolicyAsync("audited", """{"name":"Audited","scope":"tenant","mode":"enabled"}""");
        using (await host.Client.DeleteAsync("/admin/tenants/demo/policies/audited")) { }
        using var trail = JsonDocument.Parse(await host.Client.GetStringAsync("/admin/tenants/demo/audit?limit=50"));
        var entries = (trail.RootElement.ValueKind == JsonValueKind.Array ? trail.RootElement : trail.RootElement.GetProperty("items")).EnumerateArray()
            .Where(e => e.GetProperty("objectId").GetString() == "audited").ToList();
        Assert.Equal(2, entries.Count(e => e.GetProperty("kind").GetString() == "policy.put"));
        Assert.Single(entries, e => e.GetProperty("kind").GetString() == "policy.delete");
        var replace = entries.First(e => e.GetProperty("kind").GetString() == "policy.put" && e.GetProperty("before").ValueKind != JsonValueKind.Null);
        Assert.Contains("testOnly", replace.GetProperty("before").ToString(), StringComparison.Ordinal);
        Assert.Contains("enabled", replace.GetProperty("after").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policies_WholeTenantExportThenImport_RoundTripAndLive()
    {
        await host.PolicyAsync("uk-annex", """
            {"name":"Annex","scope":"site","siteIds":["annex"],"preset":"uk","dialStrings":[{"digits":"9999","service":"emergency"}],"conference":{"uri":"sip:desk@annex.example","mode":"twoWay"}}
            """);
        await host.PolicyAsync("vlan", """{"name":"VLAN","scope":"network","networks":["10.1.3.0/24","2001:db8:100::/64"],"disclaimer":"Line one\nLine two","manualEntry":"required","callbackWindowMinutes":90}""");
        var exported = await host.Client.GetStringAsync("/admin/tenants/demo/wiremap");
        Assert.Contains("\"policies\"", exported, StringComparison.Ordinal);

        await host.ClearPoliciesAsync();
        Assert.Equal(RoutingFailure.InvalidArgument, (await host.RouteAsync("9999", PolicyHost.AnnexIp)).Failure);
        using (var imported = await host.Client.PutAsync("/admin/tenants/demo/wiremap", AdminApi.Json(exported)))
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal(exported, await host.Client.GetStringAsync("/admin/tenants/demo/wiremap"));
        Assert.Equal(RouteDestination.Psap, (await host.RoutedAsync("9999", PolicyHost.AnnexIp)).Destination);

        // An import naming a site the wiremap lacks is refused at the policy's field.
        var broken = exported.Replace("\"annex\"\n", "\"gone\"\n", StringComparison.Ordinal);
        using var refused = await host.Client.PutAsync("/admin/tenants/demo/wiremap", AdminApi.Json(broken));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("/policies/0/siteIds/0", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyPresets_ListsEveryCountryAndTheDefault()
    {
        using var presets = JsonDocument.Parse(await host.Client.GetStringAsync("/admin/policy-presets"));
        var names = presets.RootElement.GetProperty("presets").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["us", "eu", "uk", "au"], names);
        var uk = presets.RootElement.GetProperty("presets").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "uk");
        Assert.Equal(["999", "112"], uk.GetProperty("dialStrings").EnumerateArray().Select(d => d.GetProperty("digits").GetString()).ToList());
        Assert.Contains(presets.RootElement.GetProperty("default").EnumerateArray(), d => d.GetProperty("digits").GetString() == "933" && d.GetProperty("service").GetString() == "test");
    }

    [Fact]
    public async Task EffectivePolicy_SiteAndAddress_NamesWhereEachSettingCameFrom()
    {
        await host.PolicyAsync("tenant", """{"name":"Tenant","scope":"tenant","preset":"us","conference":{"uri":"sip:desk@hq.example"}}""");
        await host.PolicyAsync("vlan", """{"name":"VLAN","scope":"network","networks":["10.1.3.0/24"],"mode":"testOnly"}""");
        using var effective = JsonDocument.Parse(await host.Client.GetStringAsync("/admin/tenants/demo/policies/effective?site=hq&ip=10.1.3.44"));
        var root = effective.RootElement;
        Assert.Equal("testOnly", root.GetProperty("mode").GetProperty("value").GetString());
        Assert.Equal("vlan", root.GetProperty("mode").GetProperty("policyId").GetString());
        Assert.Equal("tenant", root.GetProperty("conference").GetProperty("policyId").GetString());
        Assert.Equal("global configuration", root.GetProperty("relayCenterUri").GetProperty("from").GetString());
        using var bad = await host.Client.GetAsync("/admin/tenants/demo/policies/effective?site=nowhere");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
